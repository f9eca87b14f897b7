import { ErrorCodes } from '../core/errors.js';
import { isTerminal, type Job } from '../core/job.js';
import { parseUploadKey } from '../core/keys.js';
import { ConditionFailedError, type JobStore } from '../core/ports.js';
import type { DeadLetterStore } from '../operations/ports.js';
import type { IngestMessage } from './ingest.js';

const REQUEUE_MARGIN_MS = 60_000;

// Its own module: the dead-letter function must not pull the image pipeline (and sharp) into its bundle.

/**
 * For messages the queue gave up on (moved to the DLQ after maxReceiveCount): the job ends FAILED
 * with RETRIES_EXHAUSTED, unless it already reached a terminal state, and a dead letter records it for
 * redrive (POST /dead-letters/redrive). Recorded also when the job was already so failed: a crash after
 * the job's write brings the message back, and the second pass records what the first could not.
 */
export async function failExhausted(
  deps: { jobs: JobStore; deadLetters?: DeadLetterStore; now?: () => number },
  message: IngestMessage,
  /** When the message was first sent (SQS SentTimestamp, kept in the DLQ). */
  sentAt?: number,
): Promise<Job | undefined> {
  const target =
    message.kind === 'job' ? { tenant: message.tenant, jobId: message.jobId } : parseUploadKey(message.key);
  if (!target) return undefined;
  const job = await deps.jobs.get(target.tenant, target.jobId);
  // As ingest does: an upload event only speaks for the job whose source it is.
  if (job && message.kind === 'upload' && job.source.key !== message.key) return undefined;
  // Queued again well after this message was sent (a redrive, a retry): a newer message carries the job
  // now, and this late one must not fail it. The margin covers clock skew between SQS and the writer of
  // queuedAt (a job submitted and sent in the same second).
  if (job?.queuedAt && sentAt !== undefined && Date.parse(job.queuedAt) > sentAt + REQUEUE_MARGIN_MS)
    return job;
  const failed = job && !isTerminal(job.status) ? await failJob(deps, job) : job;
  if (failed?.status === 'FAILED' && failed.error?.code === ErrorCodes.RETRIES_EXHAUSTED) {
    await deps.deadLetters?.put({
      tenant: failed.tenant,
      jobId: failed.jobId,
      priority: failed.request.priority,
      deadLetteredAt: failed.completedAt ?? new Date((deps.now ?? Date.now)()).toISOString(),
      reason: failed.error.message,
    });
  }
  return failed;
}

async function failJob(deps: { jobs: JobStore; now?: () => number }, job: Job): Promise<Job | undefined> {
  const target = { tenant: job.tenant, jobId: job.jobId };
  try {
    return await deps.jobs.transition(target.tenant, target.jobId, 'FAILED', {
      set: {
        stage: 'failed',
        leaseUntil: 0,
        error: {
          code: ErrorCodes.RETRIES_EXHAUSTED,
          message: 'processing failed on every delivery; the message was moved to the dead-letter queue',
          retryable: false,
        },
        completedAt: new Date((deps.now ?? Date.now)()).toISOString(),
      },
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return deps.jobs.get(target.tenant, target.jobId);
    throw error;
  }
}
