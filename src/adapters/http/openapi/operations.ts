import { z } from 'zod';
import { BatchRequest } from '../../../batches/batch.js';
import { ROUTES, type RouteKey } from '../../../contract/routes.js';
import { SubmitJobRequest, UploadRequest } from '../../../core/job.js';
import { RedriveRequest } from '../../../operations/operations-service.js';
import { SavePresetRequest } from '../../../presets/preset-service.js';
import { SimilarQueryString, SimilarRequest } from '../../../similarity/similarity-service.js';
import {
  CreateWebhookRequest,
  DELIVERY_STATUSES,
  RotateSecretRequest,
} from '../../../webhooks/webhook-service.js';
import {
  BatchList,
  BatchReport,
  Batch as BatchSchema,
  BatchWithJobs,
  DeadLetterList,
  DeliveryList,
  Delivery as DeliverySchema,
  Health,
  Job,
  JobList,
  Preset,
  PresetList,
  RedriveResult,
  SimilarToAsset,
  SimilarToHash,
  Stats,
  UploadCreated,
  Webhook,
  WebhookList,
  WebhookWithSecret,
} from './resources.js';

/** A success response: its status, what it means, and its JSON body (none for 204). */
export interface SuccessResponse {
  status: number;
  description: string;
  body?: z.ZodType;
  /** Alternative bodies by media type (the batch report's CSV). */
  alternatives?: Record<string, z.ZodType>;
}

export interface Operation {
  summary: string;
  tag: 'jobs' | 'presets' | 'similarity' | 'webhooks' | 'batches' | 'operations' | 'meta';
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (read as `{}`). */
  bodyOptional?: boolean;
  /** The Idempotency-Key header is honoured (a retry with the same key returns the first result). */
  idempotent?: boolean;
  responses: SuccessResponse[];
  /** Problem statuses this operation can answer besides 401 and 500 (which every keyed route can). */
  problems: number[];
}

const id = (description: string) => z.object({ id: z.string().meta({ description }) });
const pageQuery = z.object({
  limit: z.string().regex(/^\d+$/).optional().meta({ description: 'Page size, 1 to 100 (default 50)' }),
  cursor: z.string().optional().meta({ description: 'The cursor of the previous page' }),
});
const presetName = z.object({ name: z.string().meta({ description: 'Preset name' }) });
const batchJob = z.object({
  id: z.string().meta({ description: 'Batch id' }),
  jobId: z.string().meta({ description: 'Job id (of that batch)' }),
});
const ok = (description: string, body?: z.ZodType, status = 200): SuccessResponse => ({
  status,
  description,
  body,
});

/**
 * What every route of src/contract/routes.ts takes and returns. Typed as a record over the route keys, so a
 * route added to the contract without documenting it here does not compile.
 */
export const OPERATIONS: Record<RouteKey, Operation> = {
  [ROUTES.openApi]: {
    summary: 'This OpenAPI document',
    tag: 'meta',
    responses: [ok('The OpenAPI 3.1 document', z.record(z.string(), z.unknown()))],
    problems: [],
  },
  [ROUTES.health]: {
    summary: 'Liveness and dependency checks (for load balancers)',
    tag: 'meta',
    responses: [ok('Every dependency answers', Health), ok('A dependency does not answer', Health, 503)],
    problems: [],
  },
  [ROUTES.createUpload]: {
    summary: 'Create a job and a presigned POST to upload its source',
    tag: 'jobs',
    body: UploadRequest,
    idempotent: true,
    responses: [
      ok('Job created, upload form returned', UploadCreated, 201),
      ok('The job this Idempotency-Key created before', UploadCreated),
    ],
    problems: [400, 413, 415, 422, 429],
  },
  [ROUTES.submitJob]: {
    summary: 'Submit a job for an object already in the uploads bucket',
    tag: 'jobs',
    body: SubmitJobRequest,
    idempotent: true,
    responses: [ok('Job queued', Job, 202), ok('The job this Idempotency-Key created before', Job)],
    problems: [400, 403, 422, 429],
  },
  [ROUTES.listJobs]: {
    summary: "The tenant's jobs, newest first",
    tag: 'jobs',
    query: pageQuery,
    responses: [ok('A page of jobs', JobList)],
    problems: [400],
  },
  [ROUTES.getJob]: {
    summary: 'A job with its status, hashes, duplicates and outputs',
    tag: 'jobs',
    pathParams: id('Job id'),
    responses: [ok('The job', Job)],
    problems: [404],
  },
  [ROUTES.cancelJob]: {
    summary: 'Cancel a job that has not ended',
    tag: 'jobs',
    pathParams: id('Job id'),
    responses: [ok('The cancelled job', Job)],
    problems: [404, 409],
  },
  [ROUTES.listPresets]: {
    summary: 'Built-in and saved output presets',
    tag: 'presets',
    responses: [ok('Every preset', PresetList)],
    problems: [],
  },
  [ROUTES.getPreset]: {
    summary: 'One preset',
    tag: 'presets',
    pathParams: presetName,
    responses: [ok('The preset', Preset)],
    problems: [400, 404],
  },
  [ROUTES.savePreset]: {
    summary: 'Create or replace a saved preset',
    tag: 'presets',
    pathParams: presetName,
    body: SavePresetRequest,
    responses: [ok('Preset created', Preset, 201), ok('Preset replaced', Preset)],
    problems: [400, 409],
  },
  [ROUTES.deletePreset]: {
    summary: 'Delete a saved preset',
    tag: 'presets',
    pathParams: presetName,
    responses: [ok('Deleted', undefined, 204)],
    problems: [400, 404],
  },
  [ROUTES.similarToAsset]: {
    summary: 'Near-duplicates of an asset (by PDQ distance)',
    tag: 'similarity',
    pathParams: id('Asset (job) id'),
    query: SimilarQueryString,
    responses: [ok('Matches, nearest first', SimilarToAsset)],
    problems: [400, 404],
  },
  [ROUTES.similarToHash]: {
    summary: 'Near-duplicates of a PDQ hash',
    tag: 'similarity',
    body: SimilarRequest,
    responses: [ok('Matches, nearest first', SimilarToHash)],
    problems: [400],
  },
  [ROUTES.createWebhook]: {
    summary: 'Register a webhook endpoint (the response holds its signing secret, once)',
    tag: 'webhooks',
    body: CreateWebhookRequest,
    responses: [ok('Endpoint created', WebhookWithSecret, 201)],
    problems: [400, 409],
  },
  [ROUTES.listWebhooks]: {
    summary: "The tenant's webhook endpoints",
    tag: 'webhooks',
    responses: [ok('Every endpoint', WebhookList)],
    problems: [],
  },
  [ROUTES.getWebhook]: {
    summary: 'One webhook endpoint',
    tag: 'webhooks',
    pathParams: id('Endpoint id'),
    responses: [ok('The endpoint', Webhook)],
    problems: [404],
  },
  [ROUTES.deleteWebhook]: {
    summary: 'Delete a webhook endpoint',
    tag: 'webhooks',
    pathParams: id('Endpoint id'),
    responses: [ok('Deleted', undefined, 204)],
    problems: [404],
  },
  [ROUTES.rotateWebhookSecret]: {
    summary: 'Rotate the signing secret (the old one keeps signing during the overlap)',
    tag: 'webhooks',
    pathParams: id('Endpoint id'),
    body: RotateSecretRequest,
    bodyOptional: true,
    responses: [ok('The endpoint and its new secret', WebhookWithSecret)],
    problems: [400, 404, 409],
  },
  [ROUTES.enableWebhook]: {
    summary: 'Re-enable an endpoint that was disabled after repeated failures',
    tag: 'webhooks',
    pathParams: id('Endpoint id'),
    responses: [ok('The endpoint', Webhook)],
    problems: [404],
  },
  [ROUTES.listDeliveries]: {
    summary: "An endpoint's deliveries, newest event first",
    tag: 'webhooks',
    pathParams: id('Endpoint id'),
    query: pageQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional() }),
    responses: [ok('A page of deliveries', DeliveryList)],
    problems: [400, 404],
  },
  [ROUTES.replayDelivery]: {
    summary: 'Send a delivery again (a new cycle of attempts)',
    tag: 'webhooks',
    pathParams: id('Delivery id'),
    responses: [ok('The delivery, pending again', DeliverySchema, 202)],
    problems: [404, 409],
  },
  [ROUTES.createBatch]: {
    summary: 'Submit a batch of jobs with a priority, a concurrency and dependencies',
    tag: 'batches',
    body: BatchRequest,
    idempotent: true,
    responses: [
      ok('Batch accepted', BatchSchema, 202),
      ok('The batch this Idempotency-Key created before', BatchSchema),
    ],
    problems: [400, 403, 422, 429],
  },
  [ROUTES.listBatches]: {
    summary: "The tenant's batches, newest first (each batch's own page has its counts and ETA)",
    tag: 'batches',
    query: pageQuery,
    responses: [ok('A page of batches', BatchList)],
    problems: [400],
  },
  [ROUTES.getBatch]: {
    summary: 'A batch with its counts, ETA and a page of its jobs',
    tag: 'batches',
    pathParams: id('Batch id'),
    query: pageQuery,
    responses: [ok('The batch', BatchWithJobs)],
    problems: [400, 404],
  },
  [ROUTES.cancelBatch]: {
    summary: 'Cancel a batch: no further job starts, running ones are cancelled',
    tag: 'batches',
    pathParams: id('Batch id'),
    responses: [ok('The cancelled batch', BatchSchema)],
    problems: [404, 409],
  },
  [ROUTES.batchReport]: {
    summary: 'The report a batch wrote when it ended (JSON, or CSV with ?format=csv)',
    tag: 'batches',
    pathParams: id('Batch id'),
    query: z.object({ format: z.enum(['json', 'csv']).optional() }),
    responses: [
      {
        status: 200,
        description: 'The report',
        body: BatchReport,
        alternatives: { 'text/csv': z.string() },
      },
    ],
    problems: [404, 409],
  },
  [ROUTES.retryBatchJob]: {
    summary: 'Queue a FAILED or CANCELLED job of the batch again',
    tag: 'batches',
    pathParams: batchJob,
    responses: [ok('The queued job', Job, 202)],
    problems: [404, 409],
  },
  [ROUTES.cancelBatchJob]: {
    summary: 'Cancel one job of the batch',
    tag: 'batches',
    pathParams: batchJob,
    responses: [ok('The cancelled job', Job)],
    problems: [404, 409],
  },
  [ROUTES.stats]: {
    summary: "The tenant's jobs of the last hour (by status, throughput, latency percentiles) and the queues",
    tag: 'operations',
    responses: [ok('The statistics', Stats)],
    problems: [],
  },
  [ROUTES.listDeadLetters]: {
    summary: 'Jobs whose ingest message was dead-lettered (FAILED with RETRIES_EXHAUSTED), oldest first',
    tag: 'operations',
    query: pageQuery,
    responses: [ok('A page of dead letters', DeadLetterList)],
    problems: [400],
  },
  [ROUTES.redriveDeadLetters]: {
    summary: 'Queue the oldest dead-lettered jobs again',
    tag: 'operations',
    body: RedriveRequest,
    bodyOptional: true,
    responses: [ok('What was redriven, and what is left', RedriveResult)],
    problems: [400],
  },
};
