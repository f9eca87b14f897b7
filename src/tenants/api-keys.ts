import { createHash, randomBytes } from 'node:crypto';
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
 * one table read (a revoked key stops working within the TTL).
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { tenant: string | undefined; expires: number }>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async tenantFor(apiKey: string | undefined): Promise<string | undefined> {
    if (!apiKey || apiKey.length > 256) return undefined;
    const hash = hashApiKey(apiKey);
    const cached = this.cache.get(hash);
    if (cached && cached.expires > this.now()) return cached.tenant;
    const tenant = await this.store.tenantForKeyHash(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { tenant, expires: this.now() + this.ttlMs });
    return tenant;
  }
}
