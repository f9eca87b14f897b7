import type { Job } from '../core/job.js';
import type { JobStore } from '../core/ports.js';

export interface HeartbeatDeps {
  jobs: Pick<JobStore, 'extendLease'>;
  leaseMs: number;
  heartbeatMs?: number;
  onLeaseRenewed?: (leaseMs: number) => Promise<void>;
}

/**
 * Renews the claim's lease every `heartbeatMs` while this worker holds it, so a short lease still covers
 * a long job and a worker that dies stops renewing it: its job is taken over once the lease ends. A renewal
 * that finds the job moved on (cancelled, taken over) stops; the final conditional write decides anyway.
 */
export function startHeartbeat(
  deps: HeartbeatDeps,
  job: Pick<Job, 'tenant' | 'jobId' | 'attempt'>,
): { stop(): Promise<void> } {
  const every = deps.heartbeatMs ?? Math.max(1_000, Math.floor(deps.leaseMs / 3));
  let stopped = false;
  let beating: Promise<void> | undefined;
  const beat = async () => {
    const renewed = await deps.jobs.extendLease(job.tenant, job.jobId, job.attempt, deps.leaseMs);
    if (!renewed) stopped = true;
    else if (!stopped) await deps.onLeaseRenewed?.(deps.leaseMs);
  };
  const timer = setInterval(() => {
    if (stopped || beating) return;
    // A failed renewal is retried at the next beat; the lease still has two beats of slack.
    beating = beat()
      .catch(() => undefined)
      .finally(() => {
        beating = undefined;
      });
  }, every);
  timer.unref();
  return {
    /** Stops renewing, once any renewal in flight has landed. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await beating;
    },
  };
}
