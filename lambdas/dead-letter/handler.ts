import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { DynamoDbDeadLetterStore } from '../../src/adapters/aws/dynamodb-dead-letter-store.js';
import { loadConfig } from '../../src/contract/config.js';
import { failExhausted } from '../../src/jobs/fail-exhausted.js';
import { sqsBatchHandler } from '../shared/handlers.js';
import { readIngestMessages } from '../shared/ingest-records.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
const jobs = jobStore(config);
const deadLetters = new DynamoDbDeadLetterStore({ tableName: config.jobsTable });

const sentAt = (record: SQSRecord) => {
  const value = Number(record.attributes?.SentTimestamp);
  return Number.isFinite(value) && value > 0 ? value : undefined;
};

/** Messages the ingest queue gave up on: their jobs end FAILED with RETRIES_EXHAUSTED. */
async function handleRecord(record: SQSRecord): Promise<void> {
  for (const message of readIngestMessages(record)) {
    const job = await failExhausted({ jobs, deadLetters }, message, sentAt(record));
    logger.warn('dead-lettered ingest message', {
      messageId: record.messageId,
      jobId: job?.jobId,
      status: job?.status,
    });
    metrics.addMetric('JobsDeadLettered', MetricUnit.Count, 1);
  }
}

export const handler = sqsBatchHandler(handleRecord);
