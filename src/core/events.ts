/**
 * Job and batch events: the versioned schema every consumer (EventBridge rules, the webhook dispatcher,
 * customers' receivers) relies on. No AWS imports: the adapter maps `JobEvent` to a PutEvents entry as
 * `{ Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event.detail) }`.
 *
 * Compatibility: `version` is the detail schema version. Adding optional fields keeps '1'; removing or
 * re-typing a field is a new version (published side by side until consumers have moved).
 */
import { z } from 'zod';
import {
  EVENT_SCHEMA_VERSION,
  type EventType,
  JobEventType,
  PROGRESS_MILESTONES,
  type ProgressMilestone,
} from '../contract/events.js';
import { ErrorCodes } from './errors.js';
import { type Job, JobStatus, type OutboxEntry, type OutputRecord } from './job.js';

/**
 * The milestone crossed when progress moves from `prev` to `next` (`prev < m <= next`), if any. When one
 * update crosses several (10 → 80), only the highest (75) is returned: one progress event per update,
 * and consumers must treat progress events as "at least this far", never as a complete sequence.
 */
export function progressMilestone(prev: number, next: number): ProgressMilestone | undefined {
  let crossed: ProgressMilestone | undefined;
  for (const m of PROGRESS_MILESTONES) if (prev < m && m <= next) crossed = m;
  return crossed;
}

/** The statuses a job may be in when each event is published. */
export const STATUS_FOR_EVENT: Record<JobEventType, readonly JobStatus[]> = {
  'media.job.queued': ['QUEUED', 'AWAITING_UPLOAD'],
  'media.job.started': ['PROCESSING'],
  'media.job.progress': ['PROCESSING'],
  'media.job.completed': ['COMPLETED'],
  'media.job.failed': ['FAILED'],
  'media.job.cancelled': ['CANCELLED'],
  'media.job.retrying': ['QUEUED', 'PROCESSING'],
};

export const JobSnapshot = z
  .object({
    id: z.string().min(1),
    status: z.enum(Object.values(JobStatus) as [JobStatus, ...JobStatus[]]),
    stage: z.string(),
    progress: z.number().min(0).max(100),
    attempt: z.number().int().min(0).optional(),
    /** The batch the job belongs to, when it was submitted in one. */
    batchId: z.string().min(1).optional(),
  })
  .strict();
export type JobSnapshot = z.infer<typeof JobSnapshot>;

export const EventOutput = z
  .object({
    name: z.string(),
    format: z.string(),
    key: z.string(),
    /** A URL the receiver can fetch (presigned: it expires; re-fetch via GET /jobs/{id} after that). */
    url: z.url(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    bytes: z.number().int().optional(),
  })
  .strict();
export type EventOutput = z.infer<typeof EventOutput>;

export const EventError = z
  .object({
    code: z.enum(Object.values(ErrorCodes) as [string, ...string[]]),
    message: z.string().max(1000),
  })
  .strict();

export const JobEventDetail = z
  .object({
    version: z.literal(EVENT_SCHEMA_VERSION),
    eventId: z.string().min(1).max(200),
    tenant: z.string().min(1),
    occurredAt: z.iso.datetime({ offset: true }),
    job: JobSnapshot,
    outputs: z.array(EventOutput).max(50).optional(),
    error: EventError.optional(),
  })
  .strict();
export type JobEventDetail = z.infer<typeof JobEventDetail>;

export const JobEvent = z
  .object({ type: JobEventType, detail: JobEventDetail })
  .strict()
  .superRefine(({ type, detail }, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!STATUS_FOR_EVENT[type].includes(detail.job.status)) {
      issue(['detail', 'job', 'status'], `${type} with job status ${detail.job.status}`);
    }
    if (type === 'media.job.completed' && !detail.outputs)
      issue(['detail', 'outputs'], 'completed needs outputs');
    if (type !== 'media.job.completed' && detail.outputs)
      issue(['detail', 'outputs'], 'outputs only on completed');
    if (type === 'media.job.failed' && !detail.error) issue(['detail', 'error'], 'failed needs an error');
    if (type === 'media.job.progress' && !PROGRESS_MILESTONES.some((m) => m === detail.job.progress)) {
      issue(['detail', 'job', 'progress'], `progress events only at ${PROGRESS_MILESTONES.join('/')}`);
    }
  });
export type JobEvent = z.infer<typeof JobEvent>;

/**
 * Any event the pipeline publishes (job events here, batch events in src/batches): a detail type from
 * EVENT_TYPES and a detail that carries at least its id and time. Publishers need no more than this.
 */
export interface PipelineEvent {
  type: EventType;
  detail: { eventId: string; occurredAt: string };
}

/**
 * Deterministic event ids: republishing the same state change (an outbox replay, a retried publish)
 * yields the same id, so the dispatcher's `webhook-id` is stable and receivers can deduplicate on it.
 */
export function jobEventId(
  job: Pick<Job, 'jobId' | 'attempt'>,
  type: JobEventType,
  milestone?: number,
): string {
  const kind = type.slice('media.job.'.length);
  return `evt_${job.jobId}_${job.attempt}_${kind}${milestone === undefined ? '' : `_${milestone}`}`;
}

export interface BuildJobEventOptions {
  occurredAt: string;
  /** A fetchable URL for an output object (presigned GET or CDN URL); needed for `completed`. */
  urlFor?: (output: OutputRecord) => string;
  /** Overrides the deterministic id (tests, or events that are not state changes). */
  eventId?: string;
  /** For `progress`: the milestone crossed (from `progressMilestone`); the snapshot reports it. */
  milestone?: ProgressMilestone;
}

/** Builds and validates the event for a job that has just made the change `type` describes. */
export function buildJobEvent(type: JobEventType, job: Job, options: BuildJobEventOptions): JobEvent {
  const progress = type === 'media.job.progress' ? (options.milestone ?? job.progress) : job.progress;
  const detail: JobEventDetail = {
    version: EVENT_SCHEMA_VERSION,
    eventId: options.eventId ?? jobEventId(job, type, type === 'media.job.progress' ? progress : undefined),
    tenant: job.tenant,
    occurredAt: options.occurredAt,
    job: {
      id: job.jobId,
      status: job.status,
      stage: job.stage,
      progress,
      attempt: job.attempt,
      ...(job.batch ? { batchId: job.batch.batchId } : {}),
    },
  };
  if (type === 'media.job.completed') {
    const urlFor = options.urlFor;
    if (!urlFor) throw new Error('a completed event needs urlFor to give outputs URLs');
    detail.outputs = (job.outputs ?? []).map((o) => ({
      name: o.name,
      format: o.format,
      key: o.key,
      url: urlFor(o),
      width: o.width,
      height: o.height,
      bytes: o.bytes,
    }));
  }
  if (type === 'media.job.failed' || (type === 'media.job.retrying' && job.error)) {
    const error = job.error ?? { code: ErrorCodes.INTERNAL, message: 'unknown error' };
    detail.error = { code: error.code, message: error.message.slice(0, 1000) };
  }
  return JobEvent.parse({ type, detail });
}

/**
 * The map key of an entry in the job's outbox: deterministic when the attempt is known (rewriting the
 * same change overwrites, never duplicates), else made unique by the write's timestamp.
 */
export function outboxKey(
  entry: Pick<OutboxEntry, 'type' | 'attempt' | 'milestone'>,
  uniqueMs: number,
): string {
  const kind = entry.type.slice('media.job.'.length);
  const base = entry.attempt === undefined ? `${kind}_t${uniqueMs}` : `${kind}_${entry.attempt}`;
  return entry.milestone === undefined ? base : `${base}_${entry.milestone}`;
}

/** The `queued` event a job's creation records (the store writes it with the item). */
export function creationEntry(job: Pick<Job, 'status' | 'attempt' | 'stage' | 'progress' | 'createdAt'>): {
  key: string;
  entry: OutboxEntry;
} {
  const entry: OutboxEntry = {
    type: 'media.job.queued',
    occurredAt: job.createdAt,
    status: job.status,
    attempt: job.attempt,
    stage: job.stage,
    progress: job.progress,
  };
  return { key: outboxKey(entry, 0), entry };
}

/** The event a plain transition to `to` records (claims record `started`, creations `queued`). */
export function eventTypeForTransition(to: JobStatus): JobEventType | undefined {
  switch (to) {
    case 'COMPLETED':
      return 'media.job.completed';
    case 'FAILED':
      return 'media.job.failed';
    case 'CANCELLED':
      return 'media.job.cancelled';
    // PROCESSING -> PROCESSING is a worker giving its claim back after a retryable error;
    // FAILED/CANCELLED -> QUEUED is a retry.
    case 'PROCESSING':
    case 'QUEUED':
      return 'media.job.retrying';
    default:
      return undefined;
  }
}

/** Builds the event an outbox entry describes, with the job's item image for what the entry lacks. */
export function eventFromOutbox(
  entry: OutboxEntry,
  image: Job,
  options: Omit<BuildJobEventOptions, 'occurredAt' | 'milestone'>,
): JobEvent {
  const job: Job = {
    ...image,
    status: entry.status,
    attempt: entry.attempt ?? image.attempt,
    stage: entry.stage ?? image.stage,
    progress: entry.progress ?? image.progress,
  };
  return buildJobEvent(entry.type, job, {
    ...options,
    occurredAt: entry.occurredAt,
    milestone: entry.milestone,
  });
}
