import { creationEntry } from '../core/events.js';
import type { Job, JobStatus } from '../core/job.js';
import type { JobStore, ProgressOptions, TransitionOptions } from '../core/ports.js';
import type { JobEventRelay } from './job-events.js';

/**
 * A JobStore that publishes the events its writes record, right after each write commits. A failed
 * publish never fails the state change: the entry stays in the outbox for the sweeper (`onPublishError`
 * is told, for logs and metrics).
 */
export class PublishingJobStore implements JobStore {
  constructor(
    private readonly inner: JobStore,
    private readonly relay: JobEventRelay,
    private readonly onPublishError: (error: unknown, job: Pick<Job, 'tenant' | 'jobId'>) => void = () => {},
  ) {}

  async create(job: Job): Promise<boolean> {
    const created = await this.inner.create(job);
    // The item is exactly `job` plus its creation event: no read needed.
    const queued = creationEntry(job);
    if (created) await this.publish({ ...job, outbox: { [queued.key]: queued.entry } });
    return created;
  }

  get(tenant: string, jobId: string) {
    return this.inner.get(tenant, jobId);
  }

  list(tenant: string, options: { limit: number; cursor?: string }) {
    return this.inner.list(tenant, options);
  }

  async transition(tenant: string, jobId: string, to: JobStatus, options?: TransitionOptions): Promise<Job> {
    const job = await this.inner.transition(tenant, jobId, to, options);
    await this.publish(job);
    return job;
  }

  async claim(
    tenant: string,
    jobId: string,
    leaseMs: number,
    now?: number,
    expectedAttempt?: number,
  ): Promise<Job | undefined> {
    const job = await this.inner.claim(tenant, jobId, leaseMs, now, expectedAttempt);
    if (job) await this.publish(job);
    return job;
  }

  extendLease(tenant: string, jobId: string, attempt: number, leaseMs: number) {
    return this.inner.extendLease(tenant, jobId, attempt, leaseMs);
  }

  async reportProgress(
    tenant: string,
    jobId: string,
    attempt: number,
    stage: string,
    progress: number,
    options?: ProgressOptions,
  ): Promise<boolean> {
    const written = await this.inner.reportProgress(tenant, jobId, attempt, stage, progress, options);
    if (written && options?.milestone !== undefined) await this.publishCurrent(tenant, jobId);
    return written;
  }

  countActive(tenant: string, upTo: number) {
    return this.inner.countActive(tenant, upTo);
  }

  reserveIdempotencyKey(tenant: string, key: string, jobId: string, requestHash: string) {
    return this.inner.reserveIdempotencyKey(tenant, key, jobId, requestHash);
  }

  /** Writes that do not return the item image: read it (strongly consistent) to publish its outbox. */
  private async publishCurrent(tenant: string, jobId: string): Promise<void> {
    try {
      const job = await this.inner.get(tenant, jobId);
      if (job) await this.relay.flush(job);
    } catch (error) {
      this.onPublishError(error, { tenant, jobId });
    }
  }

  private async publish(job: Job): Promise<void> {
    try {
      await this.relay.flush(job);
    } catch (error) {
      this.onPublishError(error, job);
    }
  }
}
