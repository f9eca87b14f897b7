import { DynamoDbBatchStore } from '../../src/adapters/aws/dynamodb-batch-store.js';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SfnTaskCallbacks } from '../../src/adapters/aws/sfn-batch-orchestrator.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import { BatchRunner } from '../../src/batches/batch-runner.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import { jobStore } from './job-store.js';

/** The batch runner as the batch functions use it: job changes publish their events (job-store.ts). */
export function batchRunner(config: PipelineConfig): BatchRunner {
  if (!config.queueUrls)
    throw new Error('invalid function configuration: QUEUE_URL_* variables are required');
  return new BatchRunner({
    batches: new DynamoDbBatchStore({ tableName: config.jobsTable }),
    jobs: jobStore(config),
    queue: new SqsJobQueue({ queueUrls: config.queueUrls }),
    objects: new S3ObjectStore(),
    callbacks: new SfnTaskCallbacks(),
    events: config.eventBusName ? new EventBridgePublisher({ eventBusName: config.eventBusName }) : undefined,
    outputsBucket: config.outputsBucket,
  });
}
