import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../../src/contract/config.js';
import { failExhausted } from '../../src/jobs/fail-exhausted.js';
import { readIngestMessages } from '../shared/ingest-records.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
const jobs = jobStore(config);

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

// A processor per invocation: it holds the batch's state, and the local runtime runs batches of one
// function concurrently in one process (Lambda never does), where a shared one would mix them up.
export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
