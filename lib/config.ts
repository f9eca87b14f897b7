import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { RateLimitPolicies } from '../src/contract/rate-limits.js';
import type { Priority } from '../src/core/job.js';

/**
 * Typed per-stage settings: the only place where dev, staging and prod differ.
 * `cdk deploy -c stage=dev|staging|prod` picks one; an unknown stage is an error, never a silent default.
 */
export const STAGES = ['dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FunctionSettings {
  memoryMb: number;
  timeoutSeconds: number;
  /** Reserved concurrency; undefined leaves the function on the account's unreserved pool. */
  reservedConcurrency?: number;
}

export interface StageConfig {
  stage: StageName;
  api: FunctionSettings;
  /** Image worker. Its timeout drives the ingest queue's visibility timeout (6x); its lease is WORKER_LEASE_SECONDS, renewed. */
  worker: FunctionSettings & {
    /**
     * Event source mapping MaximumConcurrency (2..1000) per priority queue: how many workers may drain
     * each. A backlog can only occupy its own queue's share, so low-priority work never takes the
     * capacity urgent work needs (the caps are limits, not reservations: their sum may exceed what the
     * account gives the function).
     */
    maxConcurrency: Record<Priority, number>;
  };
  deadLetter: FunctionSettings;
  /**
   * Consumes the webhook events queue (fed by the bus rule): one delivery record per matching endpoint,
   * each handed to the delivery queue. `maxConcurrency` is its event source mapping's cap (2..1000).
   */
  webhookFanout: FunctionSettings & { maxConcurrency: number };
  /**
   * Makes the HTTP attempts. Its timeout (30 s) leaves room for one attempt's 12 s deadline plus the
   * table writes around it, twice over; the delivery queue's visibility timeout is 6x it.
   * `maxConcurrency` caps parallel attempts across all tenants' endpoints.
   */
  webhookDispatcher: FunctionSettings & { maxConcurrency: number };
  /** Every minute: republishes job events whose publishing failed (the outbox). */
  outboxSweeper: FunctionSettings;
  /** The job reconciler (every minute; src/reconciler/reconciler.ts). */
  reconciler: FunctionSettings;
  /**
   * Batches: the state machine's task function (start, next job, finish + report), the callback that
   * frees a slot when its job's terminal event arrives, how long a slot waits for one job before moving
   * on (a lost callback never blocks a batch), and the longest a batch execution may run.
   */
  batches: {
    tasks: FunctionSettings;
    callback: FunctionSettings;
    jobTimeoutMinutes: number;
    maxBatchDays: number;
    /** Step Functions logs every event (level ALL); with inputs/outputs (tenant data) on dev only. */
    logExecutionData: boolean;
  };
  /**
   * Video and audio: the Fargate transcoder task's size, the longest one attempt may run (the Task
   * state's timeout; ffmpeg's own budget is inside it), the retries of a crashed task and of ECS
   * throttling/capacity errors, the input limits ffprobe checks, the largest upload accepted, and the
   * state machine's Lambda (finalize / fail).
   */
  video: {
    task: { cpu: number; memoryMiB: number; ephemeralStorageGiB: number };
    taskTimeoutMinutes: number;
    /** Attempts after a failed task (killed, crashed, exit code not 0). */
    taskFailedRetries: number;
    /** Attempts after ECS refused to start the task (throttling, no Fargate capacity). */
    capacityRetries: number;
    retryIntervalSeconds: number;
    maxUploadBytes: number;
    limits: {
      maxDurationSeconds: number;
      maxWidth: number;
      maxHeight: number;
      maxFps: number;
      maxStreams: number;
    };
    tasks: FunctionSettings;
    logExecutionData: boolean;
  };
  /** How long the job events bus's archive keeps events for replay (days; 0 would mean forever). */
  eventArchiveRetentionDays: number;
  logLevel: LogLevel;
  logRetention: RetentionDays;
  /** For the table, buckets and log groups. */
  removalPolicy: RemovalPolicy;
  /** Empty buckets on stack deletion (only sensible together with RemovalPolicy.DESTROY). */
  autoDeleteObjects: boolean;
  /** DynamoDB deletion protection on the jobs table. */
  tableDeletionProtection: boolean;
  /** Upper bound of the presigned POST's content-length-range, re-checked by the worker. */
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
  /** Objects under `t/` of the uploads bucket expire after this many days (abandoned or processed uploads). */
  abandonedUploadExpiryDays: number;
  accessLogExpiryDays: number;
  /**
   * The operator console as a CloudFront site (lib/constructs/console-site.ts). Its origin must be in
   * corsAllowedOrigins when that list is narrowed (the ConsoleUrl output names it).
   */
  consoleSite: boolean;
  /** Browser origins allowed to POST/PUT to the uploads bucket and to call the HTTP API. */
  corsAllowedOrigins: string[];
  /** Default route throttling of the HTTP API stage. */
  apiThrottle: { rateLimit: number; burstLimit: number };
  /** CloudWatch alarms (to the stage's SNS topic) and the dashboard. */
  alarms: boolean;
  alarmThresholds: {
    /** Oldest ingest message age that means workers are not keeping up. */
    ingestBacklogAgeSeconds: number;
    /** HTTP API 5xx answers per 5 minutes. */
    api5xxPer5Minutes: number;
    /** Unhandled errors (incl. timeouts) per function per 5 minutes. */
    functionErrorsPer5Minutes: number;
    /**
     * Messages waiting in each webhook dead-letter queue that raise its alarm: `events` (the fan-out
     * failed 5 times), `ruleTarget` (EventBridge could not deliver to the events queue), `delivery` (the
     * dispatcher kept failing on one delivery message). None is drained automatically.
     */
    webhookDeadLetterDepth: { events: number; ruleTarget: number; delivery: number };
  };
  /**
   * Per-tenant rate limits by route class (submit: every non-GET route; read: GET), token buckets shared
   * by all API instances; an operator overrides them per tenant (`media-pipeline set-rate-limit`).
   */
  rateLimits: RateLimitPolicies;
  /** Unfinished jobs one tenant may have; submissions past it are refused with 429. */
  maxActiveJobsPerTenant: number;
  /** S3 versioning on the data buckets (noncurrent versions expire after `noncurrentVersionDays`). */
  versionedBuckets: boolean;
  noncurrentVersionDays: number;
}

const MiB = 1024 * 1024;

const CONFIGS: Record<StageName, StageConfig> = {
  dev: {
    stage: 'dev',
    api: { memoryMb: 512, timeoutSeconds: 10 },
    worker: {
      memoryMb: 1536,
      timeoutSeconds: 120,
      maxConcurrency: { urgent: 4, high: 3, normal: 3, low: 2 },
    },
    deadLetter: { memoryMb: 256, timeoutSeconds: 30 },
    webhookFanout: { memoryMb: 256, timeoutSeconds: 30, maxConcurrency: 2 },
    webhookDispatcher: { memoryMb: 256, timeoutSeconds: 30, maxConcurrency: 5 },
    outboxSweeper: { memoryMb: 256, timeoutSeconds: 50 },
    reconciler: { memoryMb: 256, timeoutSeconds: 50 },
    batches: {
      tasks: { memoryMb: 512, timeoutSeconds: 300 },
      callback: { memoryMb: 256, timeoutSeconds: 60 },
      jobTimeoutMinutes: 60,
      maxBatchDays: 7,
      logExecutionData: true,
    },
    video: {
      task: { cpu: 1024, memoryMiB: 2048, ephemeralStorageGiB: 21 },
      taskTimeoutMinutes: 30,
      taskFailedRetries: 2,
      capacityRetries: 6,
      retryIntervalSeconds: 2,
      maxUploadBytes: 1024 * MiB,
      limits: { maxDurationSeconds: 1800, maxWidth: 3840, maxHeight: 2160, maxFps: 60, maxStreams: 8 },
      tasks: { memoryMb: 512, timeoutSeconds: 60 },
      logExecutionData: true,
    },
    eventArchiveRetentionDays: 7,
    logLevel: 'DEBUG',
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    tableDeletionProtection: false,
    maxUploadBytes: 50 * MiB,
    uploadUrlTtlSeconds: 900,
    abandonedUploadExpiryDays: 1,
    accessLogExpiryDays: 30,
    consoleSite: true,
    corsAllowedOrigins: ['*'],
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    alarms: false,
    alarmThresholds: {
      ingestBacklogAgeSeconds: 900,
      api5xxPer5Minutes: 5,
      functionErrorsPer5Minutes: 1,
      webhookDeadLetterDepth: { events: 1, ruleTarget: 1, delivery: 1 },
    },
    maxActiveJobsPerTenant: 1_000,
    rateLimits: { submit: { ratePerSecond: 100, burst: 200 }, read: { ratePerSecond: 300, burst: 600 } },
    versionedBuckets: false,
    noncurrentVersionDays: 1,
  },
  staging: {
    stage: 'staging',
    api: { memoryMb: 1024, timeoutSeconds: 10 },
    worker: {
      memoryMb: 2048,
      timeoutSeconds: 120,
      maxConcurrency: { urgent: 10, high: 8, normal: 6, low: 3 },
    },
    deadLetter: { memoryMb: 256, timeoutSeconds: 30 },
    webhookFanout: { memoryMb: 256, timeoutSeconds: 30, maxConcurrency: 5 },
    webhookDispatcher: { memoryMb: 256, timeoutSeconds: 30, maxConcurrency: 10 },
    outboxSweeper: { memoryMb: 256, timeoutSeconds: 50 },
    reconciler: { memoryMb: 256, timeoutSeconds: 50 },
    batches: {
      tasks: { memoryMb: 512, timeoutSeconds: 300 },
      callback: { memoryMb: 256, timeoutSeconds: 60 },
      jobTimeoutMinutes: 120,
      maxBatchDays: 14,
      logExecutionData: false,
    },
    video: {
      task: { cpu: 2048, memoryMiB: 4096, ephemeralStorageGiB: 50 },
      taskTimeoutMinutes: 120,
      taskFailedRetries: 2,
      capacityRetries: 8,
      retryIntervalSeconds: 10,
      maxUploadBytes: 5 * 1024 * MiB,
      limits: { maxDurationSeconds: 4 * 3600, maxWidth: 7680, maxHeight: 4320, maxFps: 120, maxStreams: 16 },
      tasks: { memoryMb: 512, timeoutSeconds: 60 },
      logExecutionData: false,
    },
    eventArchiveRetentionDays: 14,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
    tableDeletionProtection: false,
    maxUploadBytes: 50 * MiB,
    uploadUrlTtlSeconds: 900,
    abandonedUploadExpiryDays: 3,
    accessLogExpiryDays: 90,
    consoleSite: true,
    corsAllowedOrigins: ['*'],
    apiThrottle: { rateLimit: 100, burstLimit: 200 },
    alarms: true,
    alarmThresholds: {
      ingestBacklogAgeSeconds: 900,
      api5xxPer5Minutes: 5,
      functionErrorsPer5Minutes: 1,
      webhookDeadLetterDepth: { events: 1, ruleTarget: 1, delivery: 1 },
    },
    maxActiveJobsPerTenant: 5_000,
    rateLimits: { submit: { ratePerSecond: 100, burst: 200 }, read: { ratePerSecond: 300, burst: 600 } },
    versionedBuckets: false,
    noncurrentVersionDays: 7,
  },
  prod: {
    stage: 'prod',
    api: { memoryMb: 1024, timeoutSeconds: 10, reservedConcurrency: 100 },
    worker: {
      memoryMb: 2048,
      timeoutSeconds: 120,
      maxConcurrency: { urgent: 50, high: 40, normal: 30, low: 10 },
    },
    deadLetter: { memoryMb: 256, timeoutSeconds: 30 },
    webhookFanout: { memoryMb: 512, timeoutSeconds: 30, maxConcurrency: 20 },
    webhookDispatcher: { memoryMb: 512, timeoutSeconds: 30, maxConcurrency: 50 },
    outboxSweeper: { memoryMb: 256, timeoutSeconds: 50 },
    reconciler: { memoryMb: 256, timeoutSeconds: 50 },
    batches: {
      tasks: { memoryMb: 1024, timeoutSeconds: 300 },
      callback: { memoryMb: 512, timeoutSeconds: 60 },
      jobTimeoutMinutes: 120,
      maxBatchDays: 30,
      logExecutionData: false,
    },
    video: {
      task: { cpu: 4096, memoryMiB: 8192, ephemeralStorageGiB: 100 },
      taskTimeoutMinutes: 240,
      taskFailedRetries: 2,
      capacityRetries: 10,
      retryIntervalSeconds: 15,
      maxUploadBytes: 5 * 1024 * MiB,
      limits: { maxDurationSeconds: 4 * 3600, maxWidth: 7680, maxHeight: 4320, maxFps: 120, maxStreams: 16 },
      tasks: { memoryMb: 512, timeoutSeconds: 60 },
      logExecutionData: false,
    },
    eventArchiveRetentionDays: 90,
    logLevel: 'INFO',
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    autoDeleteObjects: false,
    tableDeletionProtection: true,
    maxUploadBytes: 50 * MiB,
    uploadUrlTtlSeconds: 900,
    abandonedUploadExpiryDays: 7,
    accessLogExpiryDays: 365,
    consoleSite: true,
    corsAllowedOrigins: ['*'],
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    alarms: true,
    alarmThresholds: {
      ingestBacklogAgeSeconds: 600,
      api5xxPer5Minutes: 10,
      functionErrorsPer5Minutes: 3,
      webhookDeadLetterDepth: { events: 1, ruleTarget: 1, delivery: 1 },
    },
    // One tenant at 10,000 images a minute submits about 167 jobs/s.
    maxActiveJobsPerTenant: 20_000,
    rateLimits: { submit: { ratePerSecond: 250, burst: 500 }, read: { ratePerSecond: 500, burst: 1_000 } },
    versionedBuckets: true,
    noncurrentVersionDays: 30,
  },
};

export const isStageName = (stage: string): stage is StageName =>
  (STAGES as readonly string[]).includes(stage);

/** The configuration of one stage (a fresh copy); throws for anything but dev, staging or prod. */
export function stageConfig(stage: string): StageConfig {
  if (!isStageName(stage)) {
    throw new Error(`Unknown stage "${stage}": expected one of ${STAGES.join(', ')} (cdk ... -c stage=dev)`);
  }
  return structuredClone(CONFIGS[stage]);
}

/** The ingest queue's visibility timeout: 6x the worker timeout, as AWS recommends for SQS event sources. */
export const ingestVisibilitySeconds = (config: StageConfig) => 6 * config.worker.timeoutSeconds;

/** The webhook delivery queue's visibility timeout: 6x the dispatcher timeout. */
export const webhookDeliveryVisibilitySeconds = (config: StageConfig) =>
  6 * config.webhookDispatcher.timeoutSeconds;

/**
 * An image job's lease: short, because the worker renews it every third of it while it works (heartbeat)
 * and keeps its message hidden for the lease plus 5 s. A worker that dies is replaced within 30 s of its
 * last renewal (the seed's bound for worker crashes) instead of after the queue's visibility timeout.
 */
export const WORKER_LEASE_SECONDS = 25;
export const jobLeaseSeconds = (_config: StageConfig) => WORKER_LEASE_SECONDS;
