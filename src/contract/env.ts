/**
 * Every environment variable the project defines, spelled once. The CDK constructs write them with
 * `environmentOf` (lib/), the handlers, the transcoder task and the tools read them through `readEnv`
 * or the schemas built on `ENV` (src/contract/config.ts). Code names a variable by its key here.
 */
export const ENV = {
  // Every function: where the data is.
  uploadsBucket: 'UPLOADS_BUCKET',
  outputsBucket: 'OUTPUTS_BUCKET',
  jobsTable: 'JOBS_TABLE',
  stage: 'STAGE',
  // Jobs and uploads.
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  uploadUrlTtlSeconds: 'UPLOAD_URL_TTL_SECONDS',
  jobLeaseSeconds: 'JOB_LEASE_SECONDS',
  maxActiveJobsPerTenant: 'MAX_ACTIVE_JOBS_PER_TENANT',
  /** The api function: per-tenant rate limits by route class, as JSON (src/tenants/rate-limits.ts). */
  rateLimits: 'RATE_LIMITS',
  queueUrlUrgent: 'QUEUE_URL_URGENT',
  queueUrlHigh: 'QUEUE_URL_HIGH',
  queueUrlNormal: 'QUEUE_URL_NORMAL',
  queueUrlLow: 'QUEUE_URL_LOW',
  /** The image worker: the ingest queues' visibility timeout and its first retry delay. */
  ingestVisibilitySeconds: 'INGEST_VISIBILITY_SECONDS',
  workerRetryBaseSeconds: 'WORKER_RETRY_BASE_SECONDS',
  /** The image worker's memory (its MemorySize): what admission by cost measures a job against. */
  workerMemoryMb: 'WORKER_MEMORY_MB',
  /** The api function: the ingest dead-letter queue whose depth GET /stats reports. */
  ingestDeadLetterQueueUrl: 'INGEST_DEAD_LETTER_QUEUE_URL',
  // Events and webhooks.
  eventBusName: 'EVENT_BUS_NAME',
  outboxGraceSeconds: 'OUTBOX_GRACE_SECONDS',
  webhookDeliveryQueueUrl: 'WEBHOOK_DELIVERY_QUEUE_URL',
  webhookSecretsKeyId: 'WEBHOOK_SECRETS_KEY_ID',
  webhookRetryBaseSeconds: 'WEBHOOK_RETRY_BASE_SECONDS',
  webhookRetryMaxSeconds: 'WEBHOOK_RETRY_MAX_SECONDS',
  webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
  // Batches.
  batchStateMachineArn: 'BATCH_STATE_MACHINE_ARN',
  batchSchedulerRoleArn: 'BATCH_SCHEDULER_ROLE_ARN',
  // Video.
  videoStateMachineArn: 'VIDEO_STATE_MACHINE_ARN',
  maxVideoUploadBytes: 'MAX_VIDEO_UPLOAD_BYTES',
  videoLeaseSeconds: 'VIDEO_LEASE_SECONDS',
  /** The transcoder task: which job attempt it runs (container overrides), its scratch space and limits. */
  jobTenant: 'JOB_TENANT',
  jobId: 'JOB_ID',
  jobAttempt: 'JOB_ATTEMPT',
  scratchDir: 'SCRATCH_DIR',
  videoMaxDurationSeconds: 'VIDEO_MAX_DURATION_SECONDS',
  videoMaxWidth: 'VIDEO_MAX_WIDTH',
  videoMaxHeight: 'VIDEO_MAX_HEIGHT',
  videoMaxFps: 'VIDEO_MAX_FPS',
  videoMaxStreams: 'VIDEO_MAX_STREAMS',
  ffmpegPath: 'FFMPEG_PATH',
  ffprobePath: 'FFPROBE_PATH',
  // Powertools' own settings, as the constructs set them.
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsLogLevel: 'POWERTOOLS_LOG_LEVEL',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  // The CLI.
  apiUrl: 'MEDIA_PIPELINE_API_URL',
  apiKey: 'MEDIA_PIPELINE_API_KEY',
  // The local runtime (npm start).
  localDataDir: 'MP_DATA_DIR',
  localApiPort: 'MP_API_PORT',
  localS3Port: 'MP_S3_PORT',
  localDynamoDbPort: 'MP_DYNAMODB_PORT',
  localSqsPort: 'MP_SQS_PORT',
  localScheduleIntervalMs: 'MP_SCHEDULE_INTERVAL_MS',
  localStopDeadlineSeconds: 'MP_STOP_DEADLINE_SECONDS',
} as const;

export type EnvSetting = keyof typeof ENV;
/** Settings by key, as a construct gives them; undefined ones are left out. */
export type EnvSettings = Partial<Record<EnvSetting, string>>;

/** The environment block (variable name → value) for these settings. */
export function environmentOf(settings: EnvSettings): Record<string, string> {
  const block: Record<string, string> = {};
  for (const [setting, value] of Object.entries(settings)) {
    if (value !== undefined) block[ENV[setting as EnvSetting]] = value;
  }
  return block;
}

export function readEnv(setting: EnvSetting, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENV[setting]];
}

/** A positive number from the environment, or undefined when unset or not a positive number. */
export function readPositiveNumber(
  setting: EnvSetting,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const value = Number(readEnv(setting, env));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
