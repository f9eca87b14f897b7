import { z } from 'zod';
import { ENV } from './env.js';
import type { PriorityName } from './queues.js';

/** Function configuration, from the environment the CDK stack sets (and the local runtime resolves). */
const ConfigSchema = z.object({
  [ENV.uploadsBucket]: z.string().min(3),
  [ENV.outputsBucket]: z.string().min(3),
  [ENV.jobsTable]: z.string().min(1),
  [ENV.maxUploadBytes]: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  [ENV.uploadUrlTtlSeconds]: z.coerce.number().int().positive().default(900),
  [ENV.jobLeaseSeconds]: z.coerce.number().int().positive().default(150),
  [ENV.maxActiveJobsPerTenant]: z.coerce.number().int().positive().default(1000),
  [ENV.queueUrlUrgent]: z.string().optional(),
  [ENV.queueUrlHigh]: z.string().optional(),
  [ENV.queueUrlNormal]: z.string().optional(),
  [ENV.queueUrlLow]: z.string().optional(),
  [ENV.eventBusName]: z.string().min(1).optional(),
  [ENV.webhookDeliveryQueueUrl]: z.string().min(1).optional(),
  [ENV.ingestDeadLetterQueueUrl]: z.string().min(1).optional(),
  [ENV.webhookSecretsKeyId]: z.string().min(1).optional(),
  [ENV.stage]: z.string().min(1).default('dev'),
  [ENV.batchStateMachineArn]: z.string().min(1).optional(),
  [ENV.batchSchedulerRoleArn]: z.string().min(1).optional(),
  [ENV.videoStateMachineArn]: z.string().min(1).optional(),
  [ENV.maxVideoUploadBytes]: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  [ENV.videoLeaseSeconds]: z.coerce
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
  queueUrls?: Record<PriorityName, string>;
  /** The custom bus job events go to; without it events stay in the outbox (tests, tools). */
  eventBusName?: string;
  webhookDeliveryQueueUrl?: string;
  ingestDeadLetterQueueUrl?: string;
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
    uploadsBucket: c[ENV.uploadsBucket],
    outputsBucket: c[ENV.outputsBucket],
    jobsTable: c[ENV.jobsTable],
    maxUploadBytes: c[ENV.maxUploadBytes],
    uploadUrlTtlSeconds: c[ENV.uploadUrlTtlSeconds],
    jobLeaseMs: c[ENV.jobLeaseSeconds] * 1000,
    maxActiveJobsPerTenant: c[ENV.maxActiveJobsPerTenant],
    eventBusName: c[ENV.eventBusName],
    webhookDeliveryQueueUrl: c[ENV.webhookDeliveryQueueUrl],
    ingestDeadLetterQueueUrl: c[ENV.ingestDeadLetterQueueUrl],
    webhookSecretsKeyId: c[ENV.webhookSecretsKeyId],
    stage: c[ENV.stage],
    batchStateMachineArn: c[ENV.batchStateMachineArn],
    batchSchedulerRoleArn: c[ENV.batchSchedulerRoleArn],
    videoStateMachineArn: c[ENV.videoStateMachineArn],
    maxVideoUploadBytes: c[ENV.maxVideoUploadBytes],
    videoLeaseMs: c[ENV.videoLeaseSeconds] * 1000,
    queueUrls: queueUrlsOf(
      c[ENV.queueUrlUrgent],
      c[ENV.queueUrlHigh],
      c[ENV.queueUrlNormal],
      c[ENV.queueUrlLow],
    ),
  };
}

/** All four queues, or none (only the functions that enqueue are given them). */
function queueUrlsOf(
  urgent?: string,
  high?: string,
  normal?: string,
  low?: string,
): Record<PriorityName, string> | undefined {
  return urgent && high && normal && low ? { urgent, high, normal, low } : undefined;
}
