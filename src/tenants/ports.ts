/** API keys, stored by their SHA-256 only, and the tenant each belongs to. */
export interface ApiKeyStore {
  /** The tenant an API key (by its SHA-256 hex) belongs to. */
  tenantForKeyHash(keyHash: string): Promise<string | undefined>;
  putKeyHash(keyHash: string, tenant: string): Promise<void>;
  /** Revokes a key; the tenant it belonged to, or undefined when there was none. */
  deleteKeyHash(keyHash: string): Promise<string | undefined>;
}

/**
 * The state of the per-tenant rate limits (GCRA: one "theoretical arrival time" per tenant and route
 * class), changed only by conditional writes so every API instance shares it.
 */
export interface RateLimitStore {
  /** Sets the time to `tat` if none is stored or the stored one is not after `now`; false otherwise. */
  restart(tenant: string, routeClass: string, now: number, tat: number): Promise<boolean>;
  /** Adds `intervalMs` to the stored time if it is not after `maxTat`: the new time, else undefined. */
  advance(
    tenant: string,
    routeClass: string,
    intervalMs: number,
    maxTat: number,
  ): Promise<number | undefined>;
  /** The stored time (undefined when none). */
  read(tenant: string, routeClass: string): Promise<number | undefined>;
  /** The tenant's own policies (an operator's override of the stage defaults), by route class. */
  overrides(tenant: string): Promise<Record<string, { ratePerSecond: number; burst: number }> | undefined>;
  setOverrides(
    tenant: string,
    policies: Record<string, { ratePerSecond: number; burst: number }>,
  ): Promise<void>;
}
