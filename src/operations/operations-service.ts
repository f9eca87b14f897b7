import { z } from 'zod';
import { invalidRequest, parseInput } from '../core/domain-error.js';
import { ErrorCodes } from '../core/errors.js';
import { type Job, requeuedFields } from '../core/job.js';
import { ConditionFailedError, type JobQueue, type JobStore } from '../core/ports.js';
import { jobWindowStats } from './job-stats.js';
import type { DeadLetterStore, QueueStats } from './ports.js';

export const STATS_WINDOW_SECONDS = 3600;
/** Reads of the window stop here (up to 21 pages of 100 in the job list): a busy tenant's figures are of its newest jobs. */
export const MAX_WINDOW_JOBS = 2000;
const COUNT_UP_TO = 10_000;

export const RedriveRequest = z
  .object({
    /** How many dead letters to redrive in this call, oldest first (default 25). */
    limit: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export interface OperationsServiceDeps {
  jobs: JobStore;
  deadLetters: DeadLetterStore;
  queueStats: QueueStats;
  queue: JobQueue;
  now?: () => number;
}

/**
 * What an operator watches and does, per tenant: job and queue statistics (GET /stats), the jobs whose
 * ingest messages were dead-lettered (GET /dead-letters) and their redrive (POST /dead-letters/redrive).
 */
export class OperationsService {
  private readonly now: () => number;

  constructor(private readonly deps: OperationsServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async stats(tenant: string) {
    const to = new Date(this.now());
    const from = new Date(to.getTime() - STATS_WINDOW_SECONDS * 1000);
    const [window, unfinished, deadLetters, queues] = await Promise.all([
      this.windowJobs(tenant, from.toISOString()),
      this.deps.jobs.countActive(tenant, COUNT_UP_TO),
      this.deps.deadLetters.count(tenant, COUNT_UP_TO),
      this.deps.queueStats.depths(),
    ]);
    const windowSeconds = window.truncatedAt
      ? (to.getTime() - Date.parse(window.truncatedAt)) / 1000
      : STATS_WINDOW_SECONDS;
    return {
      window: {
        from: window.truncatedAt ?? from.toISOString(),
        to: to.toISOString(),
        jobs: window.jobs.length,
        truncated: window.truncatedAt !== undefined,
      },
      jobs: { ...jobWindowStats(window.jobs, Math.max(1, windowSeconds), to.getTime()), unfinished },
      queues,
      deadLetters: { count: deadLetters },
    };
  }

  async listDeadLetters(tenant: string, query: { limit?: string; cursor?: string }) {
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidRequest('limit must be an integer from 1 to 100');
    }
    try {
      return await this.deps.deadLetters.list(tenant, { limit, cursor: query.cursor });
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidCursorError')
        throw invalidRequest('cursor is not valid');
      throw error;
    }
  }

  /**
   * Queues the oldest dead-lettered jobs again (FAILED with RETRIES_EXHAUSTED back to QUEUED, onto their
   * priority's queue) and removes their dead letters. A job that is no longer so (retried, cancelled by
   * hand) only loses its dead letter. A crash between the job's write and the send leaves it QUEUED with
   * no message: the reconciler's stuck-QUEUED rule sends it.
   */
  async redrive(tenant: string, body: unknown) {
    const { limit = 25 } = parseInput(RedriveRequest, body ?? {});
    const { deadLetters } = await this.deps.deadLetters.list(tenant, { limit });
    const redriven: string[] = [];
    const skipped: { jobId: string; reason: string }[] = [];
    for (const deadLetter of deadLetters) {
      // Removed first: if the job dead-letters again after this redrive, its new dead letter stays.
      await this.deps.deadLetters.remove(tenant, deadLetter.jobId);
      const job = await this.deps.jobs.get(tenant, deadLetter.jobId);
      const requeued = job ? await this.requeue(job) : undefined;
      if (requeued) {
        await this.deps.queue.enqueue({ tenant, jobId: requeued.jobId, priority: requeued.request.priority });
        redriven.push(requeued.jobId);
      } else {
        skipped.push({ jobId: deadLetter.jobId, reason: job ? `job is ${job.status}` : 'job not found' });
      }
    }
    return { redriven, skipped, remaining: await this.deps.deadLetters.count(tenant, COUNT_UP_TO) };
  }

  private async requeue(job: Job): Promise<Job | undefined> {
    if (job.status !== 'FAILED' || job.error?.code !== ErrorCodes.RETRIES_EXHAUSTED) return undefined;
    try {
      return await this.deps.jobs.transition(job.tenant, job.jobId, 'QUEUED', {
        from: ['FAILED'],
        set: requeuedFields(new Date(this.now()).toISOString()),
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** The tenant's jobs created since `since`, newest first, at most MAX_WINDOW_JOBS. */
  private async windowJobs(tenant: string, since: string) {
    const jobs: Job[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.jobs.list(tenant, { limit: 100, cursor });
      for (const job of page.jobs) {
        if (job.createdAt < since) return { jobs };
        if (jobs.length === MAX_WINDOW_JOBS) return { jobs, truncatedAt: jobs.at(-1)?.createdAt };
        jobs.push(job);
      }
      cursor = page.cursor;
    } while (cursor);
    return { jobs };
  }
}
