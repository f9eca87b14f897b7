import type { Batch } from '../batches/batch.js';
import type { BatchRunner } from '../batches/batch-runner.js';
import type { BatchOrchestrator, BatchStore } from '../batches/ports.js';
import { ConditionFailedError } from '../core/ports.js';
import {
  type DueBatch,
  nextReconcileAt,
  RECONCILE_DELAYS,
  type ReconcileDelays,
  type ReconcileIndex,
} from './schedule.js';

/** What the batch rule drives batches with (absent: batches are only postponed). */
export interface BatchReconcileDeps {
  store: BatchStore;
  orchestrator: BatchOrchestrator;
  /** Ends a batch the rule gives up on (cancels its pending jobs, writes its report). */
  runner: Pick<BatchRunner, 'finish'>;
}

/** Executions the reconciler starts for one batch before it cancels the batch instead. */
export const MAX_BATCH_RUNS = 10;
/** A batch left CREATING this long has no API call finishing it (a retry would have within seconds). */
export const CREATING_GRACE_MS = 15 * 60_000;

export type BatchAction = 'batch-restarted' | 'batch-abandoned' | 'waiting' | 'moved';

/**
 * The rule for one due batch (not yet ended): while its execution runs, look again later. An execution
 * that ended or vanished (a local restart loses them all, a cloud one can fail) with the batch unfinished
 * is replaced by a new run, which takes over where the batch stands: its slots start the PENDING jobs, and
 * its finish step waits for jobs still running. Jobs started by the old run end normally; their slot's
 * token is gone, which the batch callback tolerates. A CREATING batch no API call finished is cancelled.
 */
export async function reconcileBatch(
  index: ReconcileIndex,
  deps: BatchReconcileDeps | undefined,
  entry: DueBatch,
  now: number,
  delays: ReconcileDelays = RECONCILE_DELAYS,
): Promise<BatchAction> {
  const read = await index.readBatch(entry.tenant, entry.batchId);
  if (!read || read.reconcileAt !== entry.reconcileAt) return 'moved';
  const { batch, runs } = read;
  if (batch.status === 'COMPLETED' || (batch.status === 'CANCELLED' && batch.report)) return 'moved';
  const later = async (at: number) => {
    await index.postponeBatch(batch.tenant, batch.batchId, entry.reconcileAt, at);
    return 'waiting' as const;
  };
  const check = nextReconcileAt(now, delays.batchCheckMs, runs, delays);
  if (!deps) return later(check);

  if (batch.status === 'CREATING') {
    const since = now - Date.parse(batch.createdAt);
    if (since < CREATING_GRACE_MS) return later(Date.parse(batch.createdAt) + CREATING_GRACE_MS);
    return abandon(deps, batch);
  }
  const startAt = batch.startAt ? Date.parse(batch.startAt) : undefined;
  if (batch.status === 'SCHEDULED' && startAt !== undefined && startAt > now)
    return later(startAt + delays.batchCheckMs);

  const run = batch.executionRuns ?? 0;
  const arn = batch.executionArn ?? deps.orchestrator.executionArnFor(batch.batchId, run);
  const status = await deps.orchestrator.status(arn);
  const settling = status.state === 'ended' && now - status.stoppedAt < delays.batchCheckMs;
  // A scheduler-started execution has a name of its own, known once its first step records it.
  const scheduledJustNow =
    !batch.executionArn && startAt !== undefined && now - startAt < delays.batchCheckMs;
  if (status.state === 'running' || settling || scheduledJustNow) return later(check);
  if (run >= MAX_BATCH_RUNS) return abandon(deps, batch);

  // Claim the restart (a concurrent pass sees the time moved), then record the run and start it.
  if (!(await index.postponeBatch(batch.tenant, batch.batchId, entry.reconcileAt, check))) return 'moved';
  try {
    await deps.store.setStatus(batch.tenant, batch.batchId, batch.status, [batch.status], {
      executionRuns: run + 1,
      executionArn: deps.orchestrator.executionArnFor(batch.batchId, run + 1),
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'moved';
    throw error;
  }
  await deps.orchestrator.start(batch.tenant, batch.batchId, run + 1);
  return 'batch-restarted';
}

/** Ends the batch CANCELLED with its report: its pending jobs are cancelled, running ones end on their own. */
async function abandon(deps: BatchReconcileDeps, batch: Batch): Promise<BatchAction> {
  if (batch.status !== 'CANCELLED') {
    try {
      await deps.store.setStatus(batch.tenant, batch.batchId, 'CANCELLED', [batch.status], {
        endedAt: new Date().toISOString(),
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) return 'moved';
      throw error;
    }
  }
  await deps.runner.finish(batch.tenant, batch.batchId);
  return 'batch-abandoned';
}
