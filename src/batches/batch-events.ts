import { z } from 'zod';
import { BatchEventType, EVENT_SCHEMA_VERSION } from '../contract/events.js';
import { JobStatus } from '../core/job.js';

/**
 * `media.batch.*` events: started (a slot may now start jobs), completed (every job ended and the
 * report is written), cancelled (DELETE /batches/{id}; published when the batch has wound down).
 * Counts are derived from the jobs when the event is built, never kept as counters.
 */
export const BatchSnapshot = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    status: z.enum(['SCHEDULED', 'RUNNING', 'COMPLETED', 'CANCELLED']),
    total: z.number().int().min(0),
    counts: z.partialRecord(z.enum(Object.values(JobStatus) as [JobStatus, ...JobStatus[]]), z.number()),
  })
  .strict();

export const BatchEventDetail = z
  .object({
    version: z.literal(EVENT_SCHEMA_VERSION),
    eventId: z.string().min(1).max(200),
    tenant: z.string().min(1),
    occurredAt: z.iso.datetime({ offset: true }),
    batch: BatchSnapshot,
    /** On completed/cancelled: where the report is (S3 keys in the outputs bucket). */
    report: z.object({ json: z.string(), csv: z.string() }).strict().optional(),
  })
  .strict();
export type BatchEventDetail = z.infer<typeof BatchEventDetail>;

export const BatchEvent = z.object({ type: BatchEventType, detail: BatchEventDetail }).strict();
export type BatchEvent = z.infer<typeof BatchEvent>;

/** One id per batch and change: a republish of the same change deduplicates downstream. */
export const batchEventId = (batchId: string, type: BatchEventType) =>
  `evt_${batchId}_${type.slice('media.batch.'.length)}`;
