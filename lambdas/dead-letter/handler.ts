import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { loadConfig } from '../../src/jobs/config.js';
import { failExhausted } from '../../src/jobs/fail-exhausted.js';
import { readIngestMessages } from '../shared/ingest-records.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
const jobs = new DynamoDbJobStore({ tableName: config.jobsTable });
const processor = new BatchProcessor(EventType.SQS);

/** Messages the ingest queue gave up on: their jobs end FAILED with RETRIES_EXHAUSTED. */
async function handleRecord(record: SQSRecord): Promise<void> {
  for (const message of readIngestMessages(record)) {
    const job = await failExhausted({ jobs }, message);
    logger.warn('dead-lettered ingest message', {
      messageId: record.messageId,
      jobId: job?.jobId,
      status: job?.status,
    });
    metrics.addMetric('JobsDeadLettered', MetricUnit.Count, 1);
  }
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, processor, { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
