import { z } from 'zod';

/**
 * The event names subscribers match on (EventBridge rules, webhook filters, customers' receivers):
 * the source, the detail types and the detail schema version. Their detail schemas are in
 * src/core/events.ts (jobs) and src/batches/batch-events.ts (batches).
 */
export const EVENT_SOURCE = 'media-pipeline';
export const EVENT_SCHEMA_VERSION = '1';

export const JOB_EVENT_TYPES = [
  'media.job.queued',
  'media.job.started',
  'media.job.progress',
  'media.job.completed',
  'media.job.failed',
  'media.job.cancelled',
  'media.job.retrying',
] as const;
export const JobEventType = z.enum(JOB_EVENT_TYPES);
export type JobEventType = z.infer<typeof JobEventType>;

/** Batch lifecycle events (see src/batches/batch-events.ts for their detail). */
export const BATCH_EVENT_TYPES = [
  'media.batch.started',
  'media.batch.completed',
  'media.batch.cancelled',
] as const;
export const BatchEventType = z.enum(BATCH_EVENT_TYPES);
export type BatchEventType = z.infer<typeof BatchEventType>;

export const EVENT_TYPES = [...JOB_EVENT_TYPES, ...BATCH_EVENT_TYPES] as const;
export type EventType = JobEventType | BatchEventType;

/** Progress events are published only when one of these is crossed. */
export const PROGRESS_MILESTONES = [25, 50, 75] as const;
export type ProgressMilestone = (typeof PROGRESS_MILESTONES)[number];
