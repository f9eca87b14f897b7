import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbHashIndex } from '../../src/adapters/aws/dynamodb-hash-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { NearDuplicateIndex } from '../../src/core/similarity/near-duplicates.js';
import { loadConfig } from '../../src/jobs/config.js';
import { ingest } from '../../src/jobs/ingest.js';
import { readIngestMessages } from '../shared/ingest-records.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
const deps = {
  jobs: jobStore(config),
  objects: new S3ObjectStore(),
  uploadsBucket: config.uploadsBucket,
  outputsBucket: config.outputsBucket,
  maxUploadBytes: config.maxUploadBytes,
  leaseMs: config.jobLeaseMs,
  hashIndex: new NearDuplicateIndex(new DynamoDbHashIndex({ tableName: config.jobsTable })),
};

/** Throws for retryable failures only, so the batch reports just that message as failed. */
async function handleRecord(record: SQSRecord): Promise<void> {
  for (const message of readIngestMessages(record)) {
    const outcome = await ingest(deps, message);
    logger.info('ingest outcome', {
      messageId: record.messageId,
      result: outcome.result,
      ...describe(outcome),
    });
    if (outcome.result === 'completed' || outcome.result === 'failed') {
      metrics.addMetric(outcome.result === 'completed' ? 'JobsCompleted' : 'JobsFailed', MetricUnit.Count, 1);
    }
  }
}

function describe(outcome: Awaited<ReturnType<typeof ingest>>) {
  if ('job' in outcome)
    return { jobId: outcome.job.jobId, status: outcome.job.status, error: outcome.job.error };
  if ('reason' in outcome) return { reason: outcome.reason };
  return { jobId: outcome.jobId };
}

// A processor per invocation: it holds the batch's state, and the local runtime runs batches of one
// function concurrently in one process (Lambda never does), where a shared one would mix them up.
export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
