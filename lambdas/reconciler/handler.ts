import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbBatchStore } from '../../src/adapters/aws/dynamodb-batch-store.js';
import { DynamoDbReconcileIndex } from '../../src/adapters/aws/dynamodb-reconcile-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SfnBatchOrchestrator } from '../../src/adapters/aws/sfn-batch-orchestrator.js';
import { SfnVideoOrchestrator } from '../../src/adapters/aws/sfn-video-orchestrator.js';
import { SqsDeliveryQueue } from '../../src/adapters/aws/sqs-delivery-queue.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import { loadConfig } from '../../src/contract/config.js';
import { reconcile } from '../../src/reconciler/reconciler.js';
import { START_PASS_DETAIL, START_PASS_SINCE } from '../../src/reconciler/schedule.js';
import { batchRunner } from '../shared/batches.js';
import { scheduledHandler } from '../shared/handlers.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
if (!config.queueUrls) throw new Error('invalid function configuration: QUEUE_URL_* are required');
const index = new DynamoDbReconcileIndex({ tableName: config.jobsTable });
const deps = {
  index,
  jobs: jobStore(config),
  queue: new SqsJobQueue({ queueUrls: config.queueUrls }),
  objects: new S3ObjectStore(),
  outputsBucket: config.outputsBucket,
  uploadUrlTtlSeconds: config.uploadUrlTtlSeconds,
  deliveryQueue: config.webhookDeliveryQueueUrl
    ? new SqsDeliveryQueue({ queueUrl: config.webhookDeliveryQueueUrl })
    : undefined,
  batches: config.batchStateMachineArn
    ? {
        store: new DynamoDbBatchStore({ tableName: config.jobsTable }),
        orchestrator: new SfnBatchOrchestrator({ stateMachineArn: config.batchStateMachineArn }),
        runner: batchRunner(config),
      }
    : undefined,
  video: config.videoStateMachineArn
    ? new SfnVideoOrchestrator({ stateMachineArn: config.videoStateMachineArn })
    : undefined,
};

/** Every minute (and at a local stack's start): re-drives accepted jobs that nothing drives any more. */
export const handler = scheduledHandler(async (event: { detail?: Record<string, unknown> } = {}) => {
  const before = { ...index.usage };
  // A local stack's start pass: its queues are new and no worker of the stopped process is left.
  const startPass = event?.detail?.[START_PASS_DETAIL] === true;
  const since = Number(event?.detail?.[START_PASS_SINCE]);
  const report = await reconcile(deps, {
    everythingDue: startPass,
    ...(startPass && Number.isFinite(since) ? { workersGoneBefore: since } : {}),
  });
  const redriven = report.examined - (report.actions.moved ?? 0) - (report.actions.waiting ?? 0);
  if (redriven > 0 || report.errors > 0) logger.warn('reconciled stuck jobs', { ...report });
  metrics.addMetric('JobsReconciled', MetricUnit.Count, redriven);
  metrics.addMetric('ReconcileReadUnits', MetricUnit.Count, index.usage.readUnits - before.readUnits);
  return report;
});
