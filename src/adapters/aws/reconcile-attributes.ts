import type { Job } from '../../core/job.js';
import { type ReconcileInput, reconcileAtFor, reconcileShard } from '../../reconciler/schedule.js';
import { RECONCILE_INDEX } from './jobs-table-layout.js';

/** The reconcile index attributes of a job item written whole (create, batch creation). */
export function reconcileAttributes(job: Job): Record<string, unknown> {
  const at = reconcileAtFor({
    status: job.status,
    now: Date.parse(job.updatedAt),
    leaseUntil: job.leaseUntil,
    transcoding: job.status === 'PROCESSING' && job.executionArn !== undefined,
  });
  if (at === null || at === undefined) return {};
  return {
    [RECONCILE_INDEX.partitionKey]: reconcileShard(job.jobId),
    [RECONCILE_INDEX.sortKey]: at,
  };
}

/**
 * Adds the reconcile index to an update expression: SET both attributes and reset the redrive count when
 * the write leaves the job unfinished, REMOVE them when it ends it, nothing when it leaves the time as is.
 */
export function setReconcile(
  names: Record<string, string>,
  values: Record<string, unknown>,
  sets: string[],
  removes: string[],
  jobId: string,
  input: ReconcileInput,
): void {
  const at = reconcileAtFor(input);
  if (at === undefined) return;
  names['#reconcileShard'] = RECONCILE_INDEX.partitionKey;
  names['#reconcileAt'] = RECONCILE_INDEX.sortKey;
  names['#reconcileRuns'] = 'reconcileRuns';
  if (at === null) {
    removes.push('#reconcileShard', '#reconcileAt', '#reconcileRuns');
    return;
  }
  values[':reconcileShard'] = reconcileShard(jobId);
  values[':reconcileAt'] = at;
  sets.push('#reconcileShard = :reconcileShard', '#reconcileAt = :reconcileAt');
  removes.push('#reconcileRuns');
}
