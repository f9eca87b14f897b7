import { type ErrorCode, ErrorCodes } from '../core/errors.js';
import { isTerminal, type Job } from '../core/job.js';
import { jobOutputsPrefix } from '../core/keys.js';
import {
  ConditionFailedError,
  type JobQueue,
  type JobStore,
  type ObjectStore,
  type VideoOrchestrator,
} from '../core/ports.js';
import type { DeliveryQueue } from '../webhooks/ports.js';
import { type BatchAction, type BatchReconcileDeps, reconcileBatch } from './reconcile-batch.js';
import {
  type DueDelivery,
  type DueEntry,
  type DueJob,
  MAX_JOB_ATTEMPTS,
  nextReconcileAt,
  RECONCILE_DELAYS,
  type ReconcileDelays,
  type ReconcileIndex,
} from './schedule.js';

export interface ReconcilerDeps {
  index: ReconcileIndex;
  jobs: JobStore;
  queue: JobQueue;
  objects: ObjectStore;
  outputsBucket: string;
  /** How long a presigned upload stays valid (a job waiting for its upload longer than this has none coming). */
  uploadUrlTtlSeconds: number;
  video?: VideoOrchestrator;
  /** Webhook deliveries whose message was lost are sent here again (absent: they are only postponed). */
  deliveryQueue?: DeliveryQueue;
  /** Batches whose execution ended or vanished get a new one (absent: they are only postponed). */
  batches?: BatchReconcileDeps;
  delays?: ReconcileDelays;
  maxAttempts?: number;
  now?: () => number;
}

export type ReconcileAction =
  | 'requeued'
  | 'upload-found'
  | 'upload-expired'
  | 'lease-expired'
  | 'transcode-restarted'
  | 'lease-abandoned'
  | 'exhausted'
  | 'delivery-requeued'
  | BatchAction;

export interface ReconcileReport {
  /** Due jobs looked at. */
  examined: number;
  actions: Partial<Record<ReconcileAction, number>>;
  /** Jobs whose rule threw (they are postponed and looked at again later). */
  errors: number;
  /** True when a shard had more due jobs than this pass took: the next pass goes on with them. */
  more: boolean;
}

/**
 * Finds accepted work that nothing is driving any more and drives it again, with conditional writes only:
 * the job table is the truth, and queues, workers, S3 events and executions may all have lost it.
 * Runs every minute (a scheduled function in AWS, the same rule locally) and at a local stack's start.
 * A pass reads only jobs whose reconcile time has come (a sparse index), at most `limitPerShard` per shard;
 * every job it looks at either changes state or is postponed, so the next pass resumes with the rest.
 */
export interface ReconcileOptions {
  /** Due jobs taken per shard in one pass (default 100). */
  limitPerShard?: number;
  /**
   * Look at every indexed job now, whatever its time: a local stack's start, whose queues are new and
   * empty, so nothing queued before the restart will arrive.
   */
  everythingDue?: boolean;
  /**
   * No worker that wrote a job before this time (epoch ms) is alive: a local stack's start, where every
   * worker ran in the process that stopped. Leases last written before it are handed back at once instead of
   * waiting for them to end (recovery takes the restart, not the lease); a lease the new process's workers
   * took since is left alone. Never set in the cloud, where workers outlive the pass.
   */
  workersGoneBefore?: number;
}

export async function reconcile(
  deps: ReconcilerDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const { limitPerShard = 100, everythingDue = false, workersGoneBefore } = options;
  const now = (deps.now ?? Date.now)();
  const report: ReconcileReport = { examined: 0, actions: {}, errors: 0, more: false };
  for (const shard of deps.index.shards) {
    const due = await deps.index.due(shard, everythingDue ? Number.MAX_SAFE_INTEGER : now, limitPerShard);
    if (due.length >= limitPerShard) report.more = true;
    for (const entry of due) {
      report.examined++;
      try {
        const action =
          entry.kind === 'job'
            ? await reconcileJob(deps, entry, now, workersGoneBefore)
            : entry.kind === 'delivery'
              ? await reconcileDelivery(deps, entry, now)
              : await reconcileBatch(deps.index, deps.batches, entry, now, deps.delays);
        report.actions[action] = (report.actions[action] ?? 0) + 1;
      } catch {
        report.errors++;
        // Not fatal to the pass: look at it again after the usual grace.
        const delays = deps.delays ?? RECONCILE_DELAYS;
        await postponeEntry(deps.index, entry, now + delays.queuedGraceMs).catch(() => undefined);
      }
    }
  }
  return report;
}

function postponeEntry(index: ReconcileIndex, entry: DueEntry, next: number): Promise<boolean> {
  switch (entry.kind) {
    case 'job':
      return index.postpone(entry.tenant, entry.jobId, entry.reconcileAt, next);
    case 'delivery':
      return index.postponeDelivery(entry.tenant, entry.deliveryId, entry.reconcileAt, next);
    case 'batch':
      return index.postponeBatch(entry.tenant, entry.batchId, entry.reconcileAt, next);
  }
}

/**
 * The rule for one due webhook delivery: still PENDING well after its attempt was due, with no attempt in
 * flight, so its message (fan-out's first, or the dispatcher's retry) was lost. Sends the message for the
 * next attempt again; the dispatcher takes each attempt once (a conditional lease), so a duplicate is
 * harmless, and its retry window still decides when the delivery is dead-lettered.
 */
export async function reconcileDelivery(
  deps: ReconcilerDeps,
  entry: DueDelivery,
  now: number,
): Promise<ReconcileAction> {
  const delays = deps.delays ?? RECONCILE_DELAYS;
  const read = await deps.index.readDelivery(entry.tenant, entry.deliveryId);
  if (read?.delivery.status !== 'PENDING' || read.reconcileAt !== entry.reconcileAt) return 'moved';
  const { delivery, runs } = read;
  const later = (next: number) =>
    deps.index.postponeDelivery(entry.tenant, entry.deliveryId, entry.reconcileAt, next);
  if ((delivery.leaseUntil ?? 0) > now) {
    await later((delivery.leaseUntil ?? 0) + delays.leaseGraceMs);
    return 'waiting';
  }
  if (!deps.deliveryQueue) {
    await later(nextReconcileAt(now, delays.queuedGraceMs, runs, delays));
    return 'waiting';
  }
  await deps.deliveryQueue.send({
    tenant: entry.tenant,
    deliveryId: entry.deliveryId,
    attempt: delivery.attemptsMade + 1,
    ...(delivery.nextAttemptAt ? { notBefore: delivery.nextAttemptAt } : {}),
  });
  await later(nextReconcileAt(now, delays.queuedGraceMs, runs, delays));
  return 'delivery-requeued';
}

/** The rule for one due job. */
export async function reconcileJob(
  deps: ReconcilerDeps,
  entry: DueJob,
  now: number,
  workersGoneBefore?: number,
): Promise<ReconcileAction> {
  const delays = deps.delays ?? RECONCILE_DELAYS;
  const maxAttempts = deps.maxAttempts ?? MAX_JOB_ATTEMPTS;
  const read = await deps.index.read(entry.tenant, entry.jobId);
  // Ended, or written since the index was read (it set its own time): nothing to do.
  if (!read || isTerminal(read.job.status) || read.reconcileAt !== entry.reconcileAt) return 'moved';
  const { job, runs } = read;
  const reconcileAt = entry.reconcileAt;
  const postpone = (base: number) =>
    deps.index.postpone(job.tenant, job.jobId, reconcileAt, nextReconcileAt(now, base, runs, delays));

  switch (job.status) {
    case 'QUEUED': {
      if (job.attempt >= maxAttempts) return exhaust(deps, job, now);
      // The send after the QUEUED write failed, or the queue was lost: send again (a duplicate is harmless).
      await deps.queue.enqueue({ tenant: job.tenant, jobId: job.jobId, priority: job.request.priority });
      await postpone(delays.queuedGraceMs);
      return 'requeued';
    }
    case 'AWAITING_UPLOAD': {
      const head = await deps.objects.head(job.source.bucket, job.source.key);
      if (head) {
        // The object is there but its S3 event never reached a worker.
        await deps.queue.enqueue({ tenant: job.tenant, jobId: job.jobId, priority: job.request.priority });
        await postpone(delays.queuedGraceMs);
        return 'upload-found';
      }
      const expiresAt = Date.parse(job.createdAt) + deps.uploadUrlTtlSeconds * 1000 + delays.leaseGraceMs;
      if (now >= expiresAt) {
        await endFailed(
          deps,
          job,
          now,
          ErrorCodes.UPLOAD_EXPIRED,
          'the upload URL expired before an object arrived',
        );
        return 'upload-expired';
      }
      await deps.index.postpone(
        job.tenant,
        job.jobId,
        reconcileAt,
        Math.min(expiresAt, nextReconcileAt(now, delays.uploadCheckMs, runs, delays)),
      );
      return 'waiting';
    }
    case 'PROCESSING': {
      if (job.executionArn && job.stage.startsWith('transcod'))
        return reconcileTranscode(deps, job, now, runs, reconcileAt);
      const claimedByTheDead =
        workersGoneBefore !== undefined && Date.parse(job.updatedAt) < workersGoneBefore;
      if ((job.leaseUntil ?? 0) > now && claimedByTheDead) {
        if (job.attempt >= maxAttempts) return exhaust(deps, job, now);
        return (await releaseAndRequeue(deps, job)) ? 'lease-abandoned' : 'moved';
      }
      if ((job.leaseUntil ?? 0) > now) {
        // A live lease (a pass that looks at everything, or a clock ahead of ours): look when it ends.
        await deps.index.postpone(
          job.tenant,
          job.jobId,
          reconcileAt,
          (job.leaseUntil ?? 0) + delays.leaseGraceMs,
        );
        return 'waiting';
      }
      if (job.attempt >= maxAttempts) return exhaust(deps, job, now);
      // Its worker died (lease not renewed): a message lets the next worker take the expired lease over.
      await deps.queue.enqueue({ tenant: job.tenant, jobId: job.jobId, priority: job.request.priority });
      await postpone(delays.queuedGraceMs);
      return 'lease-expired';
    }
    default:
      // PENDING batch jobs are not indexed: their batch starts them.
      await postpone(delays.maxBackoffMs);
      return 'waiting';
  }
}

/**
 * A video job handed to its execution: while the execution runs, look again later. Once it has ended
 * (or is gone, as after a local restart) and its finalize/fail steps did not end the job, give the claim
 * back and send a message, so a worker starts a new attempt (a new execution), or fail it after the last.
 */
async function reconcileTranscode(
  deps: ReconcilerDeps,
  job: Job,
  now: number,
  runs: number,
  at: number,
): Promise<ReconcileAction> {
  const delays = deps.delays ?? RECONCILE_DELAYS;
  const status = deps.video
    ? await deps.video.status(job.executionArn as string)
    : { state: 'missing' as const };
  const settling = status.state === 'ended' && now - status.stoppedAt < delays.videoCheckMs;
  if (status.state === 'running' || settling) {
    await deps.index.postpone(
      job.tenant,
      job.jobId,
      at,
      nextReconcileAt(now, delays.videoCheckMs, runs, delays),
    );
    return 'waiting';
  }
  if (job.attempt >= (deps.maxAttempts ?? MAX_JOB_ATTEMPTS)) return exhaust(deps, job, now);
  return (await releaseAndRequeue(deps, job)) ? 'transcode-restarted' : 'moved';
}

/**
 * Gives a dead attempt's claim back (under the attempt that was read, so a live worker's write wins) and
 * sends a message, so a worker starts the next attempt at once. False when the job moved meanwhile.
 */
async function releaseAndRequeue(deps: ReconcilerDeps, job: Job): Promise<boolean> {
  try {
    await deps.jobs.transition(job.tenant, job.jobId, 'PROCESSING', {
      attempt: job.attempt,
      from: ['PROCESSING'],
      set: { leaseUntil: 0, stage: 'retrying', executionArn: undefined, etaSeconds: undefined },
      event: null,
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
  await deps.queue.enqueue({ tenant: job.tenant, jobId: job.jobId, priority: job.request.priority });
  return true;
}

async function exhaust(deps: ReconcilerDeps, job: Job, now: number): Promise<ReconcileAction> {
  const moved = await endFailed(
    deps,
    job,
    now,
    ErrorCodes.RETRIES_EXHAUSTED,
    `no attempt finished the job in ${job.attempt} tries (workers stopped or crashed)`,
  );
  return moved ? 'exhausted' : 'moved';
}

/** FAILED under the attempt that was read (a late worker's result is rejected), and no partial outputs left. */
async function endFailed(
  deps: ReconcilerDeps,
  job: Job,
  now: number,
  code: ErrorCode,
  message: string,
): Promise<boolean> {
  try {
    await deps.jobs.transition(job.tenant, job.jobId, 'FAILED', {
      attempt: job.attempt,
      from: [job.status],
      set: {
        stage: 'failed',
        leaseUntil: 0,
        etaSeconds: undefined,
        error: { code, message, retryable: false },
        completedAt: new Date(now).toISOString(),
      },
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
  await deps.objects.deletePrefix(deps.outputsBucket, jobOutputsPrefix(job.tenant, job.jobId));
  return true;
}
