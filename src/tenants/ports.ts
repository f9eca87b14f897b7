/** API keys, stored by their SHA-256 only, and the tenant each belongs to. */
export interface ApiKeyStore {
  /** The tenant an API key (by its SHA-256 hex) belongs to. */
  tenantForKeyHash(keyHash: string): Promise<string | undefined>;
  putKeyHash(keyHash: string, tenant: string): Promise<void>;
  /** Revokes a key; the tenant it belonged to, or undefined when there was none. */
  deleteKeyHash(keyHash: string): Promise<string | undefined>;
}
