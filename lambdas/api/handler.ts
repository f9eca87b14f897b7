import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { DynamoDbBatchStore } from '../../src/adapters/aws/dynamodb-batch-store.js';
import { DynamoDbDeadLetterStore } from '../../src/adapters/aws/dynamodb-dead-letter-store.js';
import { DynamoDbHashIndex } from '../../src/adapters/aws/dynamodb-hash-index.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import { DynamoDbRateLimitStore } from '../../src/adapters/aws/dynamodb-rate-limit-store.js';
import { bucketProbe, jobsTableProbe, queueProbe } from '../../src/adapters/aws/health-probes.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SfnBatchOrchestrator } from '../../src/adapters/aws/sfn-batch-orchestrator.js';
import { SfnVideoOrchestrator } from '../../src/adapters/aws/sfn-video-orchestrator.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import { SqsQueueStats } from '../../src/adapters/aws/sqs-queue-stats.js';
import { createApiRouter } from '../../src/adapters/http/api-router.js';
import { BatchService } from '../../src/batches/batch-service.js';
import { loadConfig } from '../../src/contract/config.js';
import { readEnv } from '../../src/contract/env.js';
import { RateLimitPoliciesSchema } from '../../src/contract/rate-limits.js';
import { healthChecker } from '../../src/core/health.js';
import { HEALTH_CHECK_SUFFIX, TENANT_PREFIX, UPLOADS_PREFIX } from '../../src/core/keys.js';
import { JobService } from '../../src/jobs/job-service.js';
import { OperationsService } from '../../src/operations/operations-service.js';
import { PresetService } from '../../src/presets/preset-service.js';
import { NearDuplicateIndex } from '../../src/similarity/near-duplicates.js';
import { SimilarityService } from '../../src/similarity/similarity-service.js';
import { ApiKeyAuthenticator } from '../../src/tenants/api-keys.js';
import { RateLimits } from '../../src/tenants/rate-limits.js';
import { WebhookService } from '../../src/webhooks/webhook-service.js';
import { jobStore } from '../shared/job-store.js';
import { logger, tracer } from '../shared/observability.js';
import { webhookAdapters } from '../shared/webhooks.js';

const config = loadConfig();
if (!config.queueUrls) throw new Error('invalid function configuration: QUEUE_URL_* variables are required');
const jobs = jobStore(config);
const apiKeys = new DynamoDbJobStore({ tableName: config.jobsTable });
const presets = new PresetService(new DynamoDbPresetStore({ tableName: config.jobsTable }));
const objects = new S3ObjectStore();
const queue = new SqsJobQueue({ queueUrls: config.queueUrls });
const video = config.videoStateMachineArn
  ? new SfnVideoOrchestrator({ stateMachineArn: config.videoStateMachineArn })
  : undefined;
const onStopFailed = (error: unknown, job: { jobId: string }) =>
  logger.error('cancelled, but could not stop the transcode', { error, jobId: job.jobId });
const batches = config.batchStateMachineArn
  ? new BatchService({
      batches: new DynamoDbBatchStore({ tableName: config.jobsTable }),
      jobs,
      objects,
      queue,
      presets,
      config,
      orchestrator: new SfnBatchOrchestrator({
        stateMachineArn: config.batchStateMachineArn,
        schedulerRoleArn: config.batchSchedulerRoleArn,
      }),
      video,
      onStopFailed,
    })
  : undefined;
const operations = config.ingestDeadLetterQueueUrl
  ? new OperationsService({
      jobs,
      deadLetters: new DynamoDbDeadLetterStore({ tableName: config.jobsTable }),
      queueStats: new SqsQueueStats({
        queueUrls: config.queueUrls,
        deadLetterQueueUrl: config.ingestDeadLetterQueueUrl,
      }),
      queue,
    })
  : undefined;
const router = createApiRouter({
  operations,
  batches,
  presets,
  similarity: new SimilarityService(
    new NearDuplicateIndex(new DynamoDbHashIndex({ tableName: config.jobsTable })),
  ),
  service: new JobService({
    jobs,
    objects,
    queue,
    presets,
    config,
    video,
    onStopFailed,
  }),
  auth: new ApiKeyAuthenticator(apiKeys),
  rateLimits: rateLimits(),
  webhooks: new WebhookService({ ...webhookAdapters(config), stage: config.stage }),
  health: healthChecker([
    jobsTableProbe(config.jobsTable),
    bucketProbe('uploads', config.uploadsBucket, `${UPLOADS_PREFIX}${HEALTH_CHECK_SUFFIX}`),
    bucketProbe('outputs', config.outputsBucket, `${TENANT_PREFIX}${HEALTH_CHECK_SUFFIX}`),
    queueProbe('jobs-normal', config.queueUrls.normal),
  ]),
  onUnexpectedError: (error) => logger.error('unexpected API error', { error }),
});

/** The stage's per-tenant limits (RATE_LIMITS); without the variable, none. */
function rateLimits(): RateLimits | undefined {
  const text = readEnv('rateLimits');
  if (!text) return undefined;
  const defaults = RateLimitPoliciesSchema.parse(JSON.parse(text));
  return new RateLimits(new DynamoDbRateLimitStore({ tableName: config.jobsTable }), { defaults });
}

export const handler = middy(router).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger));
