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
 * Adds the reconcile index to an update expression, for any item in it (job, delivery, batch): SET the
 * shard and time and reset the redrive count when `at` is a time, REMOVE all three when it is null (the
 * item ended), nothing when undefined (the write leaves the time as is).
 */
export function addReconcileClause(
  names: Record<string, string>,
  values: Record<string, unknown>,
  sets: string[],
  removes: string[],
  id: string,
  at: number | null | undefined,
): void {
  if (at === undefined) return;
  names['#reconcileShard'] = RECONCILE_INDEX.partitionKey;
  names['#reconcileAt'] = RECONCILE_INDEX.sortKey;
  names['#reconcileRuns'] = 'reconcileRuns';
  removes.push('#reconcileRuns');
  if (at === null) {
    removes.push('#reconcileShard', '#reconcileAt');
    return;
  }
  values[':reconcileShard'] = reconcileShard(id);
  values[':reconcileAt'] = at;
  sets.push('#reconcileShard = :reconcileShard', '#reconcileAt = :reconcileAt');
}

/** A job write's reconcile clause, from what the write leaves the job as. */
export function setReconcile(
  names: Record<string, string>,
  values: Record<string, unknown>,
  sets: string[],
  removes: string[],
  jobId: string,
  input: ReconcileInput,
): void {
  addReconcileClause(names, values, sets, removes, jobId, reconcileAtFor(input));
}
