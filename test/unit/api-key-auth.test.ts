import { describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator, generateApiKey, hashApiKey, issueApiKey } from '../../src/tenants/api-keys.js';
import { InMemoryApiKeyStore } from '../../src/tenants/in-memory-api-key-store.js';

/** A store that counts its reads, so the tests see what the cache saved. */
class CountingStore extends InMemoryApiKeyStore {
  reads = 0;
  override async tenantForKeyHash(keyHash: string) {
    this.reads++;
    return super.tenantForKeyHash(keyHash);
  }
}

describe('API key authentication cache', () => {
  it('keeps the keys in use cached through a flood of random keys', async () => {
    const store = new CountingStore();
    const key = await issueApiKey(store, 'acme');
    const auth = new ApiKeyAuthenticator(store, 60_000, () => 0, { known: 100, unknown: 50 });
    expect(await auth.tenantFor(key)).toBe('acme');
    expect(store.reads).toBe(1);
    for (let i = 0; i < 5_000; i++) expect(await auth.tenantFor(generateApiKey())).toBeUndefined();
    const readsAfterFlood = store.reads;
    expect(readsAfterFlood).toBe(5_001);
    // Still a hit: the flood churned the misses only.
    expect(await auth.tenantFor(key)).toBe('acme');
    expect(store.reads).toBe(readsAfterFlood);
  });

  it('caches a miss briefly, and a revoked key stops working once its entry expires', async () => {
    let now = 0;
    const store = new CountingStore();
    const key = await issueApiKey(store, 'acme');
    const auth = new ApiKeyAuthenticator(store, 60_000, () => now);
    const stranger = generateApiKey();
    expect(await auth.tenantFor(stranger)).toBeUndefined();
    expect(await auth.tenantFor(stranger)).toBeUndefined();
    expect(store.reads).toBe(1);
    expect(await auth.tenantFor(key)).toBe('acme');
    await store.deleteKeyHash(hashApiKey(key));
    expect(await auth.tenantFor(key)).toBe('acme');
    now += 60_001;
    expect(await auth.tenantFor(key)).toBeUndefined();
    // A key created after its miss was cached works once that miss expires.
    await store.putKeyHash(hashApiKey(stranger), 'late');
    expect(await auth.tenantFor(stranger)).toBe('late');
  });

  it('refuses absent and oversized keys without reading the store', async () => {
    const store = new CountingStore();
    const auth = new ApiKeyAuthenticator(store);
    expect(await auth.tenantFor(undefined)).toBeUndefined();
    expect(await auth.tenantFor('x'.repeat(257))).toBeUndefined();
    expect(store.reads).toBe(0);
  });
});

describe('API key authentication under a burst', () => {
  it('reads the store once for many concurrent requests with the same uncached key', async () => {
    const store = new CountingStore();
    const key = await issueApiKey(store, 'acme');
    const auth = new ApiKeyAuthenticator(store);
    const tenants = await Promise.all(Array.from({ length: 500 }, () => auth.tenantFor(key)));
    expect(new Set(tenants)).toEqual(new Set(['acme']));
    expect(store.reads).toBe(1);
  });
});
