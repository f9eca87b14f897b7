import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { TenantId } from '../core/job.js';
import type { ApiKeyStore } from './ports.js';

export const hashApiKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex');

/** A new API key: shown once to the operator; only its SHA-256 is stored. */
export const generateApiKey = () => `mpk_${randomBytes(24).toString('base64url')}`;

/** Creates a key for `tenant` and stores its hash; the key itself is returned once and never stored. */
export async function issueApiKey(
  store: { putKeyHash(keyHash: string, tenant: string): Promise<void> },
  tenant: string,
): Promise<string> {
  if (!TenantId.safeParse(tenant).success) throw new TypeError(`invalid tenant id ${JSON.stringify(tenant)}`);
  const apiKey = generateApiKey();
  await store.putKeyHash(hashApiKey(apiKey), tenant);
  return apiKey;
}

/**
 * Resolves API keys to tenants, caching hits and misses briefly so a burst of requests costs
 * one table read (a revoked key stops working within the TTL). Hits and misses live in separate LRU
 * caches, so a flood of random keys only churns the misses and never evicts the keys in use.
 */
export class ApiKeyAuthenticator {
  private readonly known: LRUCache<string, { tenant: string; expires: number }>;
  private readonly unknown: LRUCache<string, { expires: number }>;
  /** Lookups in flight: concurrent requests with one uncached key share one read (single flight). */
  private readonly lookups = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    sizes: { known: number; unknown: number } = { known: 10_000, unknown: 1_000 },
  ) {
    this.known = new LRUCache({ max: sizes.known });
    this.unknown = new LRUCache({ max: sizes.unknown });
  }

  async tenantFor(apiKey: string | undefined): Promise<string | undefined> {
    if (!apiKey || apiKey.length > 256) return undefined;
    const hash = hashApiKey(apiKey);
    const now = this.now();
    const hit = this.known.get(hash);
    if (hit && hit.expires > now) return hit.tenant;
    const miss = this.unknown.get(hash);
    if (miss && miss.expires > now) return undefined;
    const pending = this.lookups.get(hash);
    if (pending) return pending;
    const lookup = this.lookup(hash, now);
    this.lookups.set(hash, lookup);
    try {
      return await lookup;
    } finally {
      this.lookups.delete(hash);
    }
  }

  private async lookup(hash: string, now: number): Promise<string | undefined> {
    const tenant = await this.store.tenantForKeyHash(hash);
    const expires = now + this.ttlMs;
    if (tenant) {
      this.known.set(hash, { tenant, expires });
      this.unknown.delete(hash);
    } else {
      this.unknown.set(hash, { expires });
      this.known.delete(hash);
    }
    return tenant;
  }
}
