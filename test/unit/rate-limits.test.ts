import { describe, expect, it } from 'vitest';
import { InMemoryRateLimitStore } from '../../src/tenants/in-memory-rate-limit-store.js';
import { RateLimits, routeClassOf } from '../../src/tenants/rate-limits.js';

const defaults = { submit: { ratePerSecond: 10, burst: 5 }, read: { ratePerSecond: 100, burst: 200 } };

/** A store that counts its calls, to see what the refusal memory saves. */
class CountingStore extends InMemoryRateLimitStore {
  calls = 0;
  override async restart(...args: Parameters<InMemoryRateLimitStore['restart']>) {
    this.calls++;
    return super.restart(...args);
  }
  override async advance(...args: Parameters<InMemoryRateLimitStore['advance']>) {
    this.calls++;
    return super.advance(...args);
  }
}

describe('per-tenant rate limits (token bucket as GCRA)', () => {
  it('allows a burst, then refuses with Retry-After until a token is due, then refills at the rate', async () => {
    let now = 1_000_000;
    const limits = new RateLimits(new InMemoryRateLimitStore(), { defaults }, () => now);
    const takes = [];
    for (let i = 0; i < 7; i++) takes.push(await limits.take('acme', 'submit'));
    expect(takes.map((t) => t.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(takes.map((t) => t.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(takes[0]).toMatchObject({ limit: 5, resetSeconds: 1 });
    expect(takes[5]).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    // The instance keeps refusing for the Retry-After it answered (1 s), though a token is due in 100 ms.
    now += 100;
    expect((await limits.take('acme', 'submit')).allowed).toBe(false);
    // After it, the tokens of that second are there (one every 100 ms, up to the burst).
    now += 900;
    const again = [];
    for (let i = 0; i < 6; i++) again.push((await limits.take('acme', 'submit')).allowed);
    expect(again).toEqual([true, true, true, true, true, false]);
    // A full refill after burst / rate seconds (and the refusal's second).
    now += 1_000;
    const refilled = [];
    for (let i = 0; i < 6; i++) refilled.push((await limits.take('acme', 'submit')).allowed);
    expect(refilled).toEqual([true, true, true, true, true, false]);
  });

  it('keeps tenants and route classes apart', async () => {
    const now = 5_000_000;
    const limits = new RateLimits(new InMemoryRateLimitStore(), { defaults }, () => now);
    for (let i = 0; i < 5; i++) await limits.take('flood', 'submit');
    expect((await limits.take('flood', 'submit')).allowed).toBe(false);
    expect((await limits.take('flood', 'read')).allowed).toBe(true);
    expect((await limits.take('calm', 'submit')).allowed).toBe(true);
  });

  it('applies a tenant override from the store, re-read after its TTL', async () => {
    let now = 9_000_000;
    const store = new InMemoryRateLimitStore();
    const limits = new RateLimits(store, { defaults, overridesTtlMs: 60_000 }, () => now);
    expect((await limits.take('big', 'submit')).limit).toBe(5);
    await store.setOverrides('big', { submit: { ratePerSecond: 1_000, burst: 50 } });
    expect((await limits.take('big', 'submit')).limit).toBe(5); // cached
    now += 60_001;
    expect((await limits.take('big', 'submit')).limit).toBe(50);
    expect((await limits.take('big', 'read')).limit).toBe(200); // not overridden: the default
  });

  it('answers a flood from memory once refused: no store write per refused request', async () => {
    const now = 12_000_000;
    const store = new CountingStore();
    const limits = new RateLimits(store, { defaults }, () => now);
    for (let i = 0; i < 5; i++) await limits.take('flood', 'submit');
    const before = store.calls;
    for (let i = 0; i < 1_000; i++) expect((await limits.take('flood', 'submit')).allowed).toBe(false);
    // The first refusal tried one write (the bucket was known to be in use); the other 999 never reached the store.
    expect(store.calls - before).toBe(1);
  });

  it('classes GET and HEAD routes as reads, everything else as submits', () => {
    expect(routeClassOf('GET /jobs/{id}')).toBe('read');
    expect(routeClassOf('POST /jobs')).toBe('submit');
    expect(routeClassOf('DELETE /batches/{id}')).toBe('submit');
  });
});

describe('per-tenant rate limits under a concurrent burst', () => {
  it('serializes takes of one bucket: a 1,000-request burst costs the store about one write per allowed take', async () => {
    const now = 20_000_000;
    const store = new CountingStore();
    const limits = new RateLimits(store, { defaults }, () => now);
    const decisions = await Promise.all(Array.from({ length: 1_000 }, () => limits.take('flood', 'submit')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    // 1 restart, then one advance per take (the bucket is known to be in use), and the refusal's advance.
    expect(store.calls).toBe(1 + 4 + 1);
    // Another bucket is not held up behind this one.
    expect((await limits.take('calm', 'submit')).allowed).toBe(true);
  });
});

describe('per-tenant rate limits when the store fails', () => {
  it('falls back to a per-instance limit, not to none', async () => {
    const now = 30_000_000;
    const broken = new InMemoryRateLimitStore();
    const throttled = async () => {
      throw Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
      });
    };
    broken.restart = throttled;
    broken.advance = throttled;
    broken.read = throttled;
    const limits = new RateLimits(broken, { defaults }, () => now);
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push((await limits.take('acme', 'submit')).allowed);
    expect(decisions).toEqual([true, true, true, true, true, false, false]);
  });

  it('ignores an override that does not parse', async () => {
    const store = new InMemoryRateLimitStore();
    await store.setOverrides('odd', { submit: { ratePerSecond: -1, burst: 0 } });
    const limits = new RateLimits(store, { defaults }, () => 40_000_000);
    expect((await limits.take('odd', 'submit')).limit).toBe(5);
  });
});
