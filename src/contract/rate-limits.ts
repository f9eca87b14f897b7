import { z } from 'zod';

/**
 * The shape of per-tenant rate limits, shared by the stage config (lib/config.ts, passed to the api
 * function as RATE_LIMITS), the operator's per-tenant overrides and the limiter (src/tenants/rate-limits.ts).
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
