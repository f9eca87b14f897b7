import { domainError, invalidRequest } from '../core/domain-error.js';
import type { JobStore } from '../core/ports.js';

/** A hint, not a promise: jobs take seconds to minutes to finish. */
const TENANT_LIMIT_RETRY_AFTER_SECONDS = 30;

/** Per-tenant admission: new work only while the tenant has fewer unfinished jobs than its limit. */
export async function admitTenant(jobs: JobStore, tenant: string, limit: number): Promise<void> {
  const active = await jobs.countActive(tenant, limit);
  if (active < limit) return;
  throw domainError(
    'quota',
    'TENANT_LIMIT',
    'Too many active jobs',
    `the tenant has ${limit} unfinished jobs, its limit`,
    { retryAfterSeconds: TENANT_LIMIT_RETRY_AFTER_SECONDS },
  );
}

/** An Idempotency-Key header: 1-255 visible ASCII characters. */
export function checkIdempotencyKey(key: string): void {
  if (/^[\x21-\x7e]{1,255}$/.test(key)) return;
  throw invalidRequest('Idempotency-Key must be 1-255 visible ASCII characters');
}
