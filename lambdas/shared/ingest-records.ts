import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { type IngestQueueMessage, parseIngestMessages } from '../../src/adapters/aws/ingest-messages.js';
import { MalformedEventError } from '../../src/adapters/aws/s3-events.js';
import { logger, metrics } from './observability.js';

/**
 * The ingest messages in one SQS record. A body that is no ingest message can never succeed: it is
 * logged whole (nothing is lost) and acknowledged, rather than retried into the dead-letter queue.
 */
export function readIngestMessages(record: SQSRecord): IngestQueueMessage[] {
  try {
    return parseIngestMessages(record.body);
  } catch (error) {
    if (!(error instanceof MalformedEventError)) throw error;
    logger.error('malformed ingest message dropped', {
      messageId: record.messageId,
      body: record.body,
      error,
    });
    metrics.addMetric('MalformedMessages', MetricUnit.Count, 1);
    return [];
  }
}
