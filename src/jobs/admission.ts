import { problem } from '../core/errors.js';
import type { JobStore } from '../core/ports.js';
import { ApiProblem } from './api-problem.js';

/** A hint, not a promise: jobs take seconds to minutes to finish. */
const TENANT_LIMIT_RETRY_AFTER_SECONDS = 30;

/** Per-tenant admission: new work only while the tenant has fewer unfinished jobs than its limit. */
export async function admitTenant(jobs: JobStore, tenant: string, limit: number): Promise<void> {
  const active = await jobs.countActive(tenant, limit);
  if (active < limit) return;
  throw new ApiProblem(
    problem(429, 'Too many active jobs', `the tenant has ${limit} unfinished jobs, its limit`, {
      code: 'TENANT_LIMIT',
    }),
    { 'retry-after': String(TENANT_LIMIT_RETRY_AFTER_SECONDS) },
  );
}

/** An Idempotency-Key header: 1-255 visible ASCII characters. */
export function checkIdempotencyKey(key: string): void {
  if (/^[\x21-\x7e]{1,255}$/.test(key)) return;
  throw ApiProblem.of(400, 'Invalid request', 'Idempotency-Key must be 1-255 visible ASCII characters', {
    code: 'INVALID_REQUEST',
  });
}
