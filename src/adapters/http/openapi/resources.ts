import { z } from 'zod';
import type { BatchSummaryView, BatchView } from '../../../batches/batch-view.js';
import { EVENT_TYPES } from '../../../contract/events.js';
import { ErrorCodes } from '../../../core/errors.js';
import { JobStatus, MetadataPolicy, OutputSpec, Outputs, Priority } from '../../../core/job.js';
import { VideoRequest } from '../../../core/video-request.js';
import type { JobView } from '../../../jobs/job-view.js';
import type { OperationsService } from '../../../operations/operations-service.js';
import type { DeliveryView, WebhookView } from '../../../webhooks/webhook-service.js';
import type { ProblemDetails } from '../problems.js';

/**
 * The response bodies of the HTTP API as zod schemas: the OpenAPI document is generated from them
 * (with the request schemas the use cases parse), and the e2e suite validates live responses against
 * that document. The type checks at the bottom keep each schema and the view that produces it in step.
 */

const isoTime = z.iso.datetime({ offset: true });
const JobStatusEnum = z.enum(Object.values(JobStatus) as [JobStatus, ...JobStatus[]]);

export const Problem = z
  .object({
    type: z.string().meta({ description: 'A URI naming the kind of problem' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().optional().meta({ description: 'A stable machine-readable code, e.g. INVALID_REQUEST' }),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const OutputRecord = z.object({
  name: z.string(),
  key: z.string(),
  format: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  bytes: z.number().int(),
  kind: z.string().optional(),
  rendition: z.string().optional(),
  codec: z.string().optional(),
  durationSeconds: z.number().optional(),
  url: z.string().meta({ description: 'A presigned GET URL, valid for an hour' }),
});

const SourceMetadata = z.object({
  format: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  orientation: z.number().int().optional(),
  space: z.string().optional(),
  depth: z.string().optional(),
  iccDescription: z.string().optional(),
  hasAlpha: z.boolean().optional(),
  frames: z.number().int().optional(),
  exif: z
    .object({
      make: z.string().optional(),
      model: z.string().optional(),
      dateTime: z.string().optional(),
      copyright: z.string().optional(),
      artist: z.string().optional(),
    })
    .optional(),
  bytes: z.number().int(),
  durationSeconds: z.number().optional(),
  videoCodec: z.string().optional(),
  rotation: z.number().optional(),
  frameRate: z.number().optional(),
  variableFrameRate: z.boolean().optional(),
  audioCodec: z.string().optional(),
  audioChannels: z.number().int().optional(),
  detectedType: z.string().optional(),
  declaredType: z.string().optional(),
});

export const Job = z
  .object({
    id: z.string(),
    status: JobStatusEnum,
    stage: z.string(),
    progress: z.number().min(0).max(100),
    etaSeconds: z.number().optional(),
    priority: Priority,
    batch: z
      .object({ id: z.string(), ref: z.string(), dependsOn: z.array(z.string()).optional() })
      .optional(),
    outputsRequested: Outputs.optional(),
    videoRequested: VideoRequest.optional(),
    metadataPolicy: MetadataPolicy,
    metadata: z.record(z.string(), z.string()).optional(),
    source: z.object({
      key: z.string(),
      size: z.number().int().optional(),
      contentType: z.string().optional(),
    }),
    sourceMetadata: SourceMetadata.optional(),
    placeholder: z.object({ thumbhash: z.string() }).optional(),
    hashes: z
      .object({
        sha256: z.string(),
        pdq: z.object({ hash: z.string(), quality: z.number().int() }),
        ahash: z.string(),
        dhash: z.string(),
        phash: z.string(),
      })
      .optional(),
    duplicates: z
      .object({
        exact: z.array(z.string()),
        exactTruncated: z.boolean().optional(),
        near: z.array(z.object({ assetId: z.string(), distance: z.number().int() })),
      })
      .optional(),
    outputs: z.array(OutputRecord).optional(),
    error: z
      .object({
        type: z.string(),
        title: z.string(),
        code: z.enum(Object.values(ErrorCodes)),
        detail: z.string(),
        retryable: z.boolean(),
      })
      .optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    queuedAt: isoTime.optional(),
    startedAt: isoTime.optional(),
    completedAt: isoTime.optional(),
  })
  .meta({ id: 'Job' });

export const PresignedUpload = z
  .object({
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    expiresAt: isoTime,
  })
  .meta({ id: 'PresignedUpload', description: 'POST the file as multipart/form-data with these fields' });

export const UploadCreated = z.object({ job: Job, upload: PresignedUpload.optional() });

const cursor = z.string().optional().meta({ description: 'Pass as ?cursor= for the next page' });
export const JobList = z.object({ jobs: z.array(Job), cursor });

export const Preset = z
  .object({ name: z.string(), outputs: z.array(OutputSpec), builtIn: z.boolean() })
  .meta({ id: 'Preset' });
export const PresetList = z.object({ presets: z.array(Preset) });

const SimilarMatch = z.object({
  assetId: z.string(),
  distance: z.number().int(),
  quality: z.number().int(),
});
export const SimilarToAsset = z.object({
  assetId: z.string(),
  maxDistance: z.number().int(),
  matches: z.array(SimilarMatch),
});
export const SimilarToHash = z.object({ maxDistance: z.number().int(), matches: z.array(SimilarMatch) });

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.enum(EVENT_TYPES)),
    description: z.string().optional(),
    status: z.enum(['ACTIVE', 'DISABLED']),
    disabledReason: z.string().optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    secretsActive: z.number().int(),
  })
  .meta({ id: 'Webhook' });
export const WebhookWithSecret = Webhook.extend({
  secret: z.string().meta({ description: 'Shown in this response only (whsec_…)' }),
});
export const WebhookList = z.object({ webhooks: z.array(Webhook) });

export const Delivery = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    eventType: z.enum(EVENT_TYPES),
    status: z.enum(['PENDING', 'DELIVERED', 'DEAD_LETTERED']),
    attemptsMade: z.number().int(),
    nextAttemptAt: isoTime.optional(),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        at: isoTime,
        status: z.number().int(),
        durationMs: z.number(),
        errorKind: z.enum(['refused', 'timeout', 'network', 'redirect']).optional(),
        error: z.string().optional(),
        responseSnippet: z.string().optional(),
      }),
    ),
    lastError: z.string().optional(),
    deadLetteredAt: isoTime.optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Delivery' });
export const DeliveryList = z.object({ deliveries: z.array(Delivery), cursor });

const BatchCounts = z.partialRecord(JobStatusEnum, z.number().int());
export const Batch = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['CREATING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'CANCELLED']),
    priority: Priority,
    maxConcurrency: z.number().int(),
    total: z.number().int(),
    counts: BatchCounts,
    percentComplete: z.number().int().min(0).max(100),
    etaSeconds: z.number().optional(),
    startAt: isoTime.optional(),
    createdAt: isoTime,
    startedAt: isoTime.optional(),
    endedAt: isoTime.optional(),
    report: z.object({ available: z.boolean(), writtenAt: isoTime.optional() }),
  })
  .meta({ id: 'Batch' });
export const BatchSummary = Batch.omit({ counts: true, percentComplete: true, etaSeconds: true }).meta({
  id: 'BatchSummary',
});
export const BatchList = z.object({ batches: z.array(BatchSummary), cursor });
export const BatchWithJobs = Batch.extend({ jobs: z.array(Job), cursor }).meta({ id: 'BatchWithJobs' });

export const BatchReport = z
  .object({
    batch: Batch.pick({
      id: true,
      name: true,
      status: true,
      priority: true,
      maxConcurrency: true,
      createdAt: true,
      startedAt: true,
    }).extend({ endedAt: isoTime, wallSeconds: z.number().optional() }),
    total: z.number().int(),
    counts: BatchCounts,
    writtenAt: isoTime,
    jobs: z.array(
      z.object({
        jobId: z.string(),
        ref: z.string(),
        status: JobStatusEnum,
        source: z.string(),
        outputs: z.array(z.object({ name: z.string(), key: z.string(), bytes: z.number().int() })),
        waitSeconds: z.number().optional(),
        queueSeconds: z.number().optional(),
        processingSeconds: z.number().optional(),
        errorCode: z.string().optional(),
        errorMessage: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'BatchReport' });

export const Health = z
  .object({
    status: z.enum(['pass', 'fail']),
    checks: z.record(
      z.string(),
      z.object({
        status: z.enum(['pass', 'fail']),
        latencyMs: z.number(),
        error: z.string().optional(),
      }),
    ),
    time: isoTime,
  })
  .meta({ id: 'Health', description: '503 with status fail when any dependency does not answer' });

const Latency = z.object({
  count: z.number().int(),
  p50: z.number().optional(),
  p95: z.number().optional(),
  p99: z.number().optional(),
  max: z.number().optional(),
});
const QueueDepth = z.object({
  visible: z.number().int(),
  inFlight: z.number().int(),
  delayed: z.number().int(),
});
export const Stats = z
  .object({
    window: z.object({
      from: isoTime,
      to: isoTime,
      jobs: z.number().int(),
      truncated: z
        .boolean()
        .meta({ description: 'More jobs than read (2,000): the window starts at the oldest one read' }),
    }),
    jobs: z.object({
      byStatus: z.record(JobStatusEnum, z.number().int()),
      unfinished: z
        .number()
        .int()
        .meta({ description: 'Queued and processing jobs, also older ones (counted up to 10,000)' }),
      throughput: z.object({
        completed: z.number().int(),
        failed: z.number().int(),
        completedPerMinute: z.number(),
      }),
      oldestQueuedSeconds: z
        .number()
        .meta({ description: 'The longest wait of a QUEUED job of the window for a worker (0: none waits)' }),
      latencySeconds: z.object({ queue: Latency, processing: Latency, total: Latency }),
    }),
    queues: z
      .object({ jobs: z.record(Priority, QueueDepth), deadLetter: QueueDepth })
      .meta({ description: "The stage's queues, shared by every tenant" }),
    deadLetters: z.object({ count: z.number().int() }),
  })
  .meta({ id: 'Stats', description: "The tenant's jobs created in the last hour, and the stage's queues" });

const DeadLetter = z
  .object({
    tenant: z.string(),
    jobId: z.string(),
    priority: Priority,
    deadLetteredAt: isoTime,
    reason: z.string(),
  })
  .meta({ id: 'DeadLetter' });
export const DeadLetterList = z.object({ deadLetters: z.array(DeadLetter), cursor });
export const RedriveResult = z.object({
  redriven: z.array(z.string()).meta({ description: 'Jobs queued again' }),
  skipped: z.array(z.object({ jobId: z.string(), reason: z.string() })),
  remaining: z.number().int().meta({ description: 'Dead letters left (call again to redrive more)' }),
});

// Compile-time: every view the services return fits the schema that documents it.
export type Fits<View, Schema extends z.ZodType> = View extends z.input<Schema> ? true : never;
export const viewsFitSchemas: [
  Fits<JobView, typeof Job>,
  Fits<BatchView, typeof Batch>,
  Fits<BatchSummaryView, typeof BatchSummary>,
  Fits<WebhookView, typeof Webhook>,
  Fits<DeliveryView, typeof Delivery>,
  Fits<ProblemDetails, typeof Problem>,
  Fits<Awaited<ReturnType<OperationsService['stats']>>, typeof Stats>,
  Fits<Awaited<ReturnType<OperationsService['redrive']>>, typeof RedriveResult>,
  Fits<Awaited<ReturnType<OperationsService['listDeadLetters']>>, typeof DeadLetterList>,
] = [true, true, true, true, true, true, true, true, true];
