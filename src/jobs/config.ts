import { z } from 'zod';
import type { Priority } from '../core/job.js';

/** Function configuration, from the environment the CDK stack sets (and the local runtime resolves). */
const ConfigSchema = z.object({
  UPLOADS_BUCKET: z.string().min(3),
  OUTPUTS_BUCKET: z.string().min(3),
  JOBS_TABLE: z.string().min(1),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  JOB_LEASE_SECONDS: z.coerce.number().int().positive().default(150),
  MAX_ACTIVE_JOBS_PER_TENANT: z.coerce.number().int().positive().default(1000),
  QUEUE_URL_URGENT: z.string().optional(),
  QUEUE_URL_HIGH: z.string().optional(),
  QUEUE_URL_NORMAL: z.string().optional(),
  QUEUE_URL_LOW: z.string().optional(),
  EVENT_BUS_NAME: z.string().min(1).optional(),
  WEBHOOK_DELIVERY_QUEUE_URL: z.string().min(1).optional(),
  WEBHOOK_SECRETS_KEY_ID: z.string().min(1).optional(),
  STAGE: z.string().min(1).default('dev'),
  BATCH_STATE_MACHINE_ARN: z.string().min(1).optional(),
  BATCH_SCHEDULER_ROLE_ARN: z.string().min(1).optional(),
  VIDEO_STATE_MACHINE_ARN: z.string().min(1).optional(),
  MAX_VIDEO_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  VIDEO_LEASE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 3600),
});

export interface PipelineConfig {
  uploadsBucket: string;
  outputsBucket: string;
  jobsTable: string;
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
  jobLeaseMs: number;
  /** Unfinished jobs a tenant may have; submissions past it get 429. */
  maxActiveJobsPerTenant: number;
  /** Only the api function sends to the queues. */
  queueUrls?: Record<Priority, string>;
  /** The custom bus job events go to; without it events stay in the outbox (tests, tools). */
  eventBusName?: string;
  webhookDeliveryQueueUrl?: string;
  /** KMS key that encrypts webhook secrets. */
  webhookSecretsKeyId?: string;
  /** dev | staging | prod, or 'local' under the local runtime (the webhook URL policy depends on it). */
  stage: string;
  /** The batch state machine (the api starts it) and the role EventBridge Scheduler uses for `startAt`. */
  batchStateMachineArn?: string;
  batchSchedulerRoleArn?: string;
  /** The video state machine: set on deployments that transcode video (the worker starts it, the api stops it). */
  videoStateMachineArn?: string;
  maxVideoUploadBytes: number;
  /** How long a routed video job keeps its claim: its execution's time limit plus slack. */
  videoLeaseMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`invalid function configuration: ${missing}`);
  }
  const c = parsed.data;
  return {
    uploadsBucket: c.UPLOADS_BUCKET,
    outputsBucket: c.OUTPUTS_BUCKET,
    jobsTable: c.JOBS_TABLE,
    maxUploadBytes: c.MAX_UPLOAD_BYTES,
    uploadUrlTtlSeconds: c.UPLOAD_URL_TTL_SECONDS,
    jobLeaseMs: c.JOB_LEASE_SECONDS * 1000,
    maxActiveJobsPerTenant: c.MAX_ACTIVE_JOBS_PER_TENANT,
    eventBusName: c.EVENT_BUS_NAME,
    webhookDeliveryQueueUrl: c.WEBHOOK_DELIVERY_QUEUE_URL,
    webhookSecretsKeyId: c.WEBHOOK_SECRETS_KEY_ID,
    stage: c.STAGE,
    batchStateMachineArn: c.BATCH_STATE_MACHINE_ARN,
    batchSchedulerRoleArn: c.BATCH_SCHEDULER_ROLE_ARN,
    videoStateMachineArn: c.VIDEO_STATE_MACHINE_ARN,
    maxVideoUploadBytes: c.MAX_VIDEO_UPLOAD_BYTES,
    videoLeaseMs: c.VIDEO_LEASE_SECONDS * 1000,
    queueUrls:
      c.QUEUE_URL_URGENT && c.QUEUE_URL_HIGH && c.QUEUE_URL_NORMAL && c.QUEUE_URL_LOW
        ? {
            urgent: c.QUEUE_URL_URGENT,
            high: c.QUEUE_URL_HIGH,
            normal: c.QUEUE_URL_NORMAL,
            low: c.QUEUE_URL_LOW,
          }
        : undefined,
  };
}
