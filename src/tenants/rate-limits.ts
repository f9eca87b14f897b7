import { LRUCache } from 'lru-cache';
import {
  RateLimitOverridesSchema,
  type RateLimitPolicies,
  type RateLimitPolicy,
  type RouteClass,
} from '../contract/rate-limits.js';
import { InMemoryRateLimitStore } from './in-memory-rate-limit-store.js';
import type { RateLimitStore } from './ports.js';

/** The shortest time a refusal is remembered by an instance: the smallest Retry-After it sends. */
const MIN_REFUSAL_MS = 1_000;

/**
 * Per-tenant rate limits, a token bucket per tenant and route class (GCRA, the token bucket as one
 * timestamp): `ratePerSecond` tokens refill each second, up to `burst`. State lives in a store every API
 * instance shares, changed by conditional writes only: a take is one write when the bucket is full or
 * one write when this instance has seen the bucket in use. A refusal is remembered by the instance for as
 * long as the Retry-After it answers (at least 1 s), so a flood costs each instance at most one round of
 * store calls (two refused writes and a read) a second. A store that fails falls back to a per-instance
 * limit, never to none.
 */
export interface RateLimitSettings {
  defaults: RateLimitPolicies;
  /** How long an instance keeps a tenant's overrides (read from the store) before reading them again. */
  overridesTtlMs?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The bucket's size (RateLimit-Limit). */
  limit: number;
  /** Tokens left after this take (RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until a token is available (Retry-After), when refused. */
  retryAfterSeconds?: number;
}

/** Writes and uploads (anything but GET/HEAD) are submits; everything else is a read. */
export const routeClassOf = (routeKey: string): RouteClass =>
  /^(GET|HEAD) /.test(routeKey) ? 'read' : 'submit';

export class RateLimits {
  private readonly deniedUntil = new Map<string, { until: number; tat: number }>();
  /** The last arrival time this instance wrote per bucket. */
  private readonly lastTat = new Map<string, number>();
  /** Used only while the shared store fails: a per-instance limit rather than none. */
  private readonly fallback: RateLimitStore = new InMemoryRateLimitStore();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly overrides = new LRUCache<
    string,
    { policies: Partial<RateLimitPolicies>; expires: number }
  >({
    max: 10_000,
  });

  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's policy: its override (cached for `overridesTtlMs`, 60 s) or the stage default. */
  async policyFor(tenant: string, routeClass: RouteClass): Promise<RateLimitPolicy> {
    const now = this.now();
    let cached = this.overrides.get(tenant);
    if (!cached || cached.expires <= now) {
      // An override that does not parse (edited by hand) is ignored rather than trusted.
      const parsed = RateLimitOverridesSchema.safeParse((await this.store.overrides(tenant)) ?? {});
      cached = {
        policies: parsed.success ? parsed.data : {},
        expires: now + (this.settings.overridesTtlMs ?? 60_000),
      };
      this.overrides.set(tenant, cached);
    }
    return cached.policies[routeClass] ?? this.settings.defaults[routeClass];
  }

  /**
   * One take. Takes of the same bucket run one after another in this instance (a Lambda instance serves
   * one request at a time anyway; a local stack serves all): a burst then costs the store one write per
   * allowed request, and once one is refused the rest of the burst is answered from memory.
   */
  take(tenant: string, routeClass: RouteClass): Promise<RateLimitDecision> {
    const key = `${tenant}#${routeClass}`;
    const run = () => this.takeNow(tenant, routeClass);
    const result = (this.inFlight.get(key) ?? Promise.resolve()).then(run, run);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, tail);
    void tail.then(() => {
      if (this.inFlight.get(key) === tail) this.inFlight.delete(key);
    });
    return result;
  }

  private async takeNow(tenant: string, routeClass: RouteClass): Promise<RateLimitDecision> {
    const policy = await this.policyFor(tenant, routeClass);
    try {
      return await this.takeFrom(this.store, tenant, routeClass, policy);
    } catch {
      // The shared store is unavailable or throttled: this instance still limits on its own.
      return this.takeFrom(this.fallback, tenant, routeClass, policy);
    }
  }

  private async takeFrom(
    store: RateLimitStore,
    tenant: string,
    routeClass: RouteClass,
    policy: RateLimitPolicy,
  ): Promise<RateLimitDecision> {
    const interval = 1000 / policy.ratePerSecond;
    // A take is allowed while the theoretical arrival time stays within the burst's tolerance.
    const tolerance = interval * (policy.burst - 1);
    const now = this.now();
    // What this instance remembers is per store: the fallback's buckets are not the shared ones.
    const key = `${store === this.fallback ? 'local#' : ''}${tenant}#${routeClass}`;
    const denied = this.deniedUntil.get(key);
    if (denied && denied.until > now) return this.refused(policy, denied.until, denied.tat, now);
    this.deniedUntil.delete(key);
    // A bucket this instance saw in use needs no restart attempt: one write per take instead of two.
    if ((this.lastTat.get(key) ?? 0) <= now && (await store.restart(tenant, routeClass, now, now + interval)))
      return this.allowed(key, policy, now + interval, now, interval);
    const tat = await store.advance(tenant, routeClass, interval, now + tolerance);
    if (tat !== undefined) return this.allowed(key, policy, tat, now, interval);
    const stored = (await store.read(tenant, routeClass)) ?? now + interval + tolerance;
    // Remembered at least as long as the Retry-After the client is told (1 s or more), so a flood spread
    // over many instances costs each of them at most one round of store calls a second.
    const until = Math.max(stored - tolerance, now + MIN_REFUSAL_MS);
    if (this.deniedUntil.size > 10_000) this.deniedUntil.clear();
    this.deniedUntil.set(key, { until, tat: stored });
    return this.refused(policy, until, stored, now);
  }

  private allowed(
    key: string,
    policy: RateLimitPolicy,
    tat: number,
    now: number,
    interval: number,
  ): RateLimitDecision {
    if (this.lastTat.size > 10_000) this.lastTat.clear();
    this.lastTat.set(key, tat);
    const remaining = Math.max(0, Math.floor((now + interval * policy.burst - tat) / interval));
    return {
      allowed: true,
      limit: policy.burst,
      remaining,
      resetSeconds: Math.max(0, Math.ceil((tat - now) / 1000)),
    };
  }

  private refused(policy: RateLimitPolicy, until: number, tat: number, now: number): RateLimitDecision {
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
    return {
      allowed: false,
      limit: policy.burst,
      remaining: 0,
      // Until the bucket is full again, as on an allowed answer.
      resetSeconds: Math.max(retryAfterSeconds, Math.ceil((tat - now) / 1000)),
      retryAfterSeconds,
    };
  }
}
