import { type EventOutput, eventFromOutbox, type JobEvent } from '../core/events.js';
import type { Job, OutboxEntry } from '../core/job.js';
import type { EventPublisher, JobOutbox, JobStore, ObjectStore } from '../core/ports.js';

export interface JobEventRelayDeps {
  publisher: EventPublisher;
  outbox: JobOutbox;
  jobs: Pick<JobStore, 'get'>;
  objects: Pick<ObjectStore, 'presignGet'>;
  outputsBucket: string;
  /** Lifetime of the output URLs in completed events (receivers re-fetch via GET /jobs/{id} after). */
  outputUrlTtlSeconds?: number;
  now?: () => number;
}

const DEFAULT_OUTPUT_URL_TTL_SECONDS = 24 * 3600;

/**
 * Publishes what the jobs' outboxes hold. Every state change records its event on the job item in the
 * same conditional write (so a committed change always has its event); the writer then publishes it at
 * once (`flush`) and removes it. A writer that dies in between leaves the entry behind, and `sweep`
 * (the outbox sweeper, once a minute) publishes it later. Publishing twice is harmless: event ids are
 * deterministic and the webhook fan-out creates one delivery per (event, endpoint).
 */
/** Failed publishes of one job's outbox before the sweeper parks it (an alarm counts parked outboxes). */
export const OUTBOX_MAX_FAILURES = 10;
/** The longest a failed outbox waits before the sweeper tries it again. */
const OUTBOX_MAX_BACKOFF_MS = 30 * 60_000;

export class JobEventRelay {
  private readonly now: () => number;

  constructor(private readonly deps: JobEventRelayDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Publishes the entries in this item image; returns how many were published. */
  async flush(job: Job): Promise<number> {
    const entries = Object.entries(job.outbox ?? {}).sort(([, a], [, b]) =>
      a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0,
    );
    if (entries.length === 0) return 0;
    const events = await this.build(job, entries);
    await this.deps.publisher.publish(events);
    await this.deps.outbox.clear(
      job.tenant,
      job.jobId,
      entries.map(([key]) => key),
    );
    return events.length;
  }

  /**
   * Publishes entries left pending for longer than `graceMs` (their writer should have flushed them). A
   * job whose publish fails is deferred with a doubling backoff and parked after OUTBOX_MAX_FAILURES, so
   * entries that cannot be published never hold the scan back from the rest.
   */
  async sweep(
    graceMs: number,
    limit = 500,
  ): Promise<{ jobs: number; events: number; failures: number; parked: number }> {
    const cutoff = new Date(this.now() - graceMs).toISOString();
    const pending = await this.deps.outbox.pending(cutoff, limit);
    let events = 0;
    let failures = 0;
    let parked = 0;
    for (const { tenant, jobId } of pending) {
      const job = await this.deps.jobs.get(tenant, jobId);
      if (!job) continue;
      try {
        events += await this.flush(job);
      } catch {
        failures++;
        const backoffMs = Math.min(
          OUTBOX_MAX_BACKOFF_MS,
          graceMs * 2 ** Math.min(job.outboxFailures ?? 0, 20),
        );
        const retryAt = new Date(this.now() + backoffMs).toISOString();
        const deferred = await this.deps.outbox
          .deferFailed(tenant, jobId, retryAt, OUTBOX_MAX_FAILURES)
          .catch(() => ({ parked: false }));
        if (deferred.parked) parked++;
      }
    }
    return { jobs: pending.length, events, failures, parked };
  }

  private async build(job: Job, entries: [string, OutboxEntry][]): Promise<JobEvent[]> {
    const urls = new Map<string, string>();
    if (entries.some(([, e]) => e.type === 'media.job.completed')) {
      const ttl = this.deps.outputUrlTtlSeconds ?? DEFAULT_OUTPUT_URL_TTL_SECONDS;
      for (const output of job.outputs ?? []) {
        urls.set(output.key, await this.deps.objects.presignGet(this.deps.outputsBucket, output.key, ttl));
      }
    }
    const urlFor = (output: Pick<EventOutput, 'key'>) => {
      const url = urls.get(output.key);
      if (!url) throw new Error(`no URL for output ${output.key}`);
      return url;
    };
    return entries.map(([, entry]) => eventFromOutbox(entry, job, { urlFor }));
  }
}
