import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbOutbox } from '../../src/adapters/aws/dynamodb-outbox.js';
import { EventBridgePublisher } from '../../src/adapters/aws/eventbridge-publisher.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import type { JobStore } from '../../src/core/ports.js';
import { JobEventRelay } from '../../src/jobs/job-events.js';
import { PublishingJobStore } from '../../src/jobs/publishing-job-store.js';
import { logger } from './observability.js';

/** The relay that publishes job events from the jobs' outboxes to the stage's bus. */
export function jobEventRelay(config: PipelineConfig, eventBusName: string): JobEventRelay {
  return new JobEventRelay({
    publisher: new EventBridgePublisher({ eventBusName }),
    outbox: new DynamoDbOutbox({ tableName: config.jobsTable }),
    jobs: new DynamoDbJobStore({ tableName: config.jobsTable }),
    objects: new S3ObjectStore(),
    outputsBucket: config.outputsBucket,
  });
}

/**
 * The job store every state-changing function uses: DynamoDB, publishing each change's event right
 * after it commits (the outbox sweeper catches what a crash leaves behind).
 */
export function jobStore(config: PipelineConfig): JobStore {
  const store = new DynamoDbJobStore({ tableName: config.jobsTable });
  if (!config.eventBusName) return store;
  return new PublishingJobStore(store, jobEventRelay(config, config.eventBusName), (error, job) =>
    logger.warn('event publish failed; the outbox sweeper will retry', { error, jobId: job.jobId }),
  );
}
