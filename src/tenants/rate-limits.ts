import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { RateLimitStore } from './ports.js';

/**
 * Per-tenant rate limits, a token bucket per tenant and route class (GCRA, the token bucket as one
 * timestamp): `ratePerSecond` tokens refill each second, up to `burst`. State lives in a store every API
 * instance shares, changed by conditional writes only: a take is one write when the bucket is full or
 * one refused write plus one write when it is not. A refusal is remembered by the instance until the
 * next token is due, so a flood costs one read and no writes per refused request after the first.
 */
export type RouteClass = 'submit' | 'read';

export interface RateLimitPolicy {
  ratePerSecond: number;
  burst: number;
}

export type RateLimitPolicies = Record<RouteClass, RateLimitPolicy>;

const Policy = z.object({ ratePerSecond: z.number().positive(), burst: z.number().int().min(1) });
/** The stage defaults as the stack passes them (RATE_LIMITS) and as an operator's override stores them. */
export const RateLimitPoliciesSchema = z.object({ submit: Policy, read: Policy });
export const RateLimitOverridesSchema = RateLimitPoliciesSchema.partial();

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
  private readonly deniedUntil = new Map<string, number>();
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
      const policies = ((await this.store.overrides(tenant)) ?? {}) as Partial<RateLimitPolicies>;
      cached = { policies, expires: now + (this.settings.overridesTtlMs ?? 60_000) };
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
    const interval = 1000 / policy.ratePerSecond;
    // A take is allowed while the theoretical arrival time stays within the burst's tolerance.
    const tolerance = interval * (policy.burst - 1);
    const now = this.now();
    const key = `${tenant}#${routeClass}`;
    const denied = this.deniedUntil.get(key);
    if (denied !== undefined && denied > now) return this.refused(policy, denied, now);
    this.deniedUntil.delete(key);
    if (await this.store.restart(tenant, routeClass, now, now + interval))
      return this.allowed(policy, now + interval, now, interval);
    const tat = await this.store.advance(tenant, routeClass, interval, now + tolerance);
    if (tat !== undefined) return this.allowed(policy, tat, now, interval);
    const stored = (await this.store.read(tenant, routeClass)) ?? now + interval + tolerance;
    const until = stored - tolerance;
    if (this.deniedUntil.size > 10_000) this.deniedUntil.clear();
    this.deniedUntil.set(key, until);
    return this.refused(policy, until, now);
  }

  private allowed(policy: RateLimitPolicy, tat: number, now: number, interval: number): RateLimitDecision {
    const remaining = Math.max(0, Math.floor((now + interval * policy.burst - tat) / interval));
    return {
      allowed: true,
      limit: policy.burst,
      remaining,
      resetSeconds: Math.max(0, Math.ceil((tat - now) / 1000)),
    };
  }

  private refused(policy: RateLimitPolicy, until: number, now: number): RateLimitDecision {
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
    return {
      allowed: false,
      limit: policy.burst,
      remaining: 0,
      resetSeconds: retryAfterSeconds,
      retryAfterSeconds,
    };
  }
}
