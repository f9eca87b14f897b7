import type { JobStatus } from '../core/job.js';

/**
 * When the reconciler should look at a job that has not moved, by the state it was written in. Every
 * store write that leaves a job unfinished sets this time (`reconcileAt`, a sparse index); a terminal
 * write removes it. So the reconciler reads only jobs that are overdue, and an idle system reads nothing.
 *   AWAITING_UPLOAD  the S3 event normally arrives within seconds: look after `uploadCheckMs` whether the
 *                    object is there (event lost), and end the job at its upload expiry
 *   QUEUED           a queue hands a message out within seconds: after `queuedGraceMs` it is re-sent
 *                    (the worker's claim makes a duplicate harmless)
 *   PROCESSING       its lease (heartbeated while a worker works) plus `leaseGraceMs`: a worker that died
 *                    stops renewing it. A claim given back for a retry waits `releasedGraceMs` (its message
 *                    comes back after a backoff); a video transcode is checked every `videoCheckMs`
 */
export interface ReconcileDelays {
  uploadCheckMs: number;
  queuedGraceMs: number;
  leaseGraceMs: number;
  releasedGraceMs: number;
  videoCheckMs: number;
  /** A batch not yet ended is checked this often: is its execution still running? */
  batchCheckMs: number;
  /** Each redrive of the same job waits twice as long, up to this (a long backlog is not re-sent every pass). */
  maxBackoffMs: number;
}

export const RECONCILE_DELAYS: ReconcileDelays = {
  uploadCheckMs: 60_000,
  queuedGraceMs: 60_000,
  leaseGraceMs: 5_000,
  releasedGraceMs: 15 * 60_000,
  videoCheckMs: 2 * 60_000,
  batchCheckMs: 2 * 60_000,
  maxBackoffMs: 30 * 60_000,
};

/**
 * Attempts a job gets before the reconciler ends it FAILED (RETRIES_EXHAUSTED): the same number of
 * deliveries the ingest queue allows before its dead-letter queue.
 */
export const MAX_JOB_ATTEMPTS = 10;

/** Index shards: the due jobs of a busy stage spread over this many partitions (no hot key). */
export const RECONCILE_SHARDS = 8;

export function reconcileShard(jobId: string): string {
  let h = 0;
  for (let i = 0; i < jobId.length; i++) h = (Math.imul(h, 31) + jobId.charCodeAt(i)) >>> 0;
  return String(h % RECONCILE_SHARDS);
}

export interface ReconcileInput {
  status: JobStatus;
  now: number;
  /** The lease the write sets (PROCESSING); 0 = the claim was given back for a retry. */
  leaseUntil?: number;
  /** The write hands the job to a video execution (checked on its own cadence). */
  transcoding?: boolean;
}

/**
 * The reconcile time a write should set; `null` = remove it (terminal, or a batch job still PENDING, which
 * its batch starts); `undefined` = leave what is stored (a PROCESSING write that does not touch the lease).
 */
export function reconcileAtFor(
  input: ReconcileInput,
  delays: ReconcileDelays = RECONCILE_DELAYS,
): number | null | undefined {
  switch (input.status) {
    case 'AWAITING_UPLOAD':
      return input.now + delays.uploadCheckMs;
    case 'QUEUED':
      return input.now + delays.queuedGraceMs;
    case 'PROCESSING':
      if (input.transcoding) return input.now + delays.videoCheckMs;
      if (input.leaseUntil === undefined) return undefined;
      if (input.leaseUntil <= input.now) return input.now + delays.releasedGraceMs;
      return input.leaseUntil + delays.leaseGraceMs;
    default:
      return null;
  }
}

/** The next look after `runs` redrives that did not move the job: doubling, capped. */
export function nextReconcileAt(now: number, base: number, runs: number, delays = RECONCILE_DELAYS): number {
  return now + Math.min(delays.maxBackoffMs, base * 2 ** Math.min(Math.max(runs, 0), 20));
}

/** A job the reconcile index says is due. */
export interface DueJob {
  kind: 'job';
  tenant: string;
  jobId: string;
  reconcileAt: number;
}

/** A webhook delivery the reconcile index says is due (deliveries live in the same table). */
export interface DueDelivery {
  kind: 'delivery';
  tenant: string;
  deliveryId: string;
  reconcileAt: number;
}

/** A batch the reconcile index says is due (not yet ended: its execution should be running). */
export interface DueBatch {
  kind: 'batch';
  tenant: string;
  batchId: string;
  reconcileAt: number;
}

export type DueEntry = DueJob | DueDelivery | DueBatch;

/** What the reconciler needs of a delivery (the webhook store's Delivery has these fields). */
export interface DueDeliveryState {
  status: string;
  attemptsMade: number;
  nextAttemptAt?: string;
  leaseUntil?: number;
}

export interface DueDeliveryRead {
  delivery: DueDeliveryState;
  reconcileAt?: number;
  runs: number;
}

/**
 * When the reconciler should look at a PENDING webhook delivery: its message (fan-out's, or the
 * dispatcher's retry) normally arrives within seconds of the time it is due, so a delivery still PENDING
 * `queuedGraceMs` after that has lost it. An attempt in flight is looked at when its lease has expired.
 * `null` = remove (DELIVERED, DEAD_LETTERED).
 */
export function deliveryReconcileAt(
  input: { status: string; now: number; nextAttemptAt?: string; leaseUntil?: number },
  delays: ReconcileDelays = RECONCILE_DELAYS,
): number | null {
  if (input.status !== 'PENDING') return null;
  if (input.leaseUntil !== undefined && input.leaseUntil > input.now)
    return input.leaseUntil + delays.leaseGraceMs;
  const due = input.nextAttemptAt ? Date.parse(input.nextAttemptAt) : input.now;
  return Math.max(input.now, Number.isFinite(due) ? due : input.now) + delays.queuedGraceMs;
}

/**
 * When the reconciler should look at a batch: every `batchCheckMs` until it has ended (COMPLETED, or
 * CANCELLED with its report written), whether its execution still runs. `null` = remove.
 */
export function batchReconcileAt(
  input: { status: string; now: number; reported: boolean },
  delays: ReconcileDelays = RECONCILE_DELAYS,
): number | null {
  if (input.status === 'COMPLETED' || (input.status === 'CANCELLED' && input.reported)) return null;
  return input.now + delays.batchCheckMs;
}

export interface DueBatchRead {
  batch: import('../batches/batch.js').Batch;
  reconcileAt?: number;
  runs: number;
}

export interface DueRead {
  job: import('../core/job.js').Job;
  /** Undefined when the job left the index (it ended) since the index was read. */
  reconcileAt?: number;
  /** Redrives so far that did not move the job. */
  runs: number;
}

/** The port the reconciler reads and postpones through (the `ReconcileDue` sparse index in DynamoDB). */
export interface ReconcileIndex {
  readonly shards: readonly string[];
  /** Up to `limit` jobs and deliveries of one shard due at `now`, most overdue first. */
  due(shard: string, now: number, limit: number): Promise<DueEntry[]>;
  /** The job and its reconcile attributes, read consistently. */
  read(tenant: string, jobId: string): Promise<DueRead | undefined>;
  /** Sets the next look and counts a redrive, only if the stored time is still `seen`; false otherwise. */
  postpone(tenant: string, jobId: string, seen: number, next: number): Promise<boolean>;
  /** The delivery and its reconcile attributes, read consistently. */
  readDelivery(tenant: string, deliveryId: string): Promise<DueDeliveryRead | undefined>;
  /** postpone for a delivery. */
  postponeDelivery(tenant: string, deliveryId: string, seen: number, next: number): Promise<boolean>;
  /** The batch and its reconcile attributes, read consistently. */
  readBatch(tenant: string, batchId: string): Promise<DueBatchRead | undefined>;
  /** postpone for a batch. */
  postponeBatch(tenant: string, batchId: string, seen: number, next: number): Promise<boolean>;
}

/**
 * A scheduled event whose `detail` has this key set asks for a pass over everything due or not: the local
 * runtime fires its scheduled rules once so at start, after a restart lost its in-memory queues.
 */
export const START_PASS_DETAIL = 'localRuntimeStart';
/** The start pass's detail also says when the new process started (epoch ms): older claims are dead. */
export const START_PASS_SINCE = 'localRuntimeStartedAt';
