import type { Job } from '../core/job.js';
import type { ExecutionStatus, ListPage } from '../core/ports.js';
import type { Batch, BatchStatus } from './batch.js';

/** Batches and their jobs (the jobs are ordinary jobs; the batch item holds what was asked). */
export interface BatchStore {
  /** Creates the batch unless one with its id exists; returns what is stored. */
  createBatch(batch: Batch): Promise<{ batch: Batch; created: boolean }>;
  /** Writes the batch's (PENDING) jobs; idempotent for the same jobs. Records no events. */
  putJobs(jobs: readonly Job[]): Promise<void>;
  getBatch(tenant: string, batchId: string): Promise<Batch | undefined>;
  /** A page of the tenant's batches, newest first. */
  listBatches(
    tenant: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ batches: Batch[]; cursor?: string }>;
  /** Conditional on the batch being in one of `from`; throws ConditionFailedError otherwise. */
  setStatus(
    tenant: string,
    batchId: string,
    to: BatchStatus,
    from: readonly BatchStatus[],
    set?: Partial<Batch>,
  ): Promise<Batch>;
  /** A page of the batch's jobs in submission order. */
  listJobs(tenant: string, batchId: string, options: { limit: number; cursor?: string }): Promise<ListPage>;
  allJobs(tenant: string, batchId: string): AsyncIterable<Job>;
  /** Only the status and end time of every job (counts, ETA): much less to read than whole jobs. */
  jobStatuses(tenant: string, batchId: string): AsyncIterable<Pick<Job, 'status' | 'completedAt'>>;
  /** The batch's PENDING jobs' ids in submission order, after `afterJobId`. */
  pendingJobIds(
    tenant: string,
    batchId: string,
    options: { limit: number; afterJobId?: string },
  ): Promise<{ jobIds: string[]; more: boolean }>;
}

/** Starts a batch's execution now or at a time (Step Functions + EventBridge Scheduler in AWS). */
export interface BatchOrchestrator {
  /**
   * Idempotent per batch and run: a second start of the same run is a no-op. Run 0 is the batch's own
   * execution; the reconciler starts run n when the one before ended or vanished with the batch unfinished.
   */
  start(tenant: string, batchId: string, run?: number): Promise<void>;
  /** The ARN `start` gives that run's execution. */
  executionArnFor(batchId: string, run: number): string;
  /** Whether that execution still runs (`missing`: never started, or lost with a local runtime's memory). */
  status(executionArn: string): Promise<ExecutionStatus>;
  schedule(tenant: string, batchId: string, at: Date): Promise<void>;
  /** Removes a schedule that has not fired (no-op when there is none). */
  unschedule(batchId: string): Promise<void>;
}

/** Completes a waiting Step Functions task (SendTaskSuccess); false when the token is no longer valid. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<boolean>;
}
