import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { DynamoDbHashIndex } from '../../src/adapters/aws/dynamodb-hash-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SfnVideoOrchestrator } from '../../src/adapters/aws/sfn-video-orchestrator.js';
import { loadConfig } from '../../src/contract/config.js';
import { readPositiveNumber } from '../../src/contract/env.js';
import { ingest } from '../../src/jobs/ingest.js';
import { retryDelaySeconds } from '../../src/jobs/redelivery.js';
import { jobMemoryBudgetBytes } from '../../src/media/image/admission.js';
import { DEFAULT_IMAGE_LIMITS } from '../../src/media/image/pipeline.js';
import { NearDuplicateIndex } from '../../src/similarity/near-duplicates.js';
import { sqsBatchHandler } from '../shared/handlers.js';
import { readIngestMessages } from '../shared/ingest-records.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';
import { hideMessage } from '../shared/sqs-visibility.js';

const config = loadConfig();
const memoryMb = readPositiveNumber('workerMemoryMb');
const deps = {
  jobs: jobStore(config),
  objects: new S3ObjectStore(),
  uploadsBucket: config.uploadsBucket,
  outputsBucket: config.outputsBucket,
  maxUploadBytes: config.maxUploadBytes,
  leaseMs: config.jobLeaseMs,
  hashIndex: new NearDuplicateIndex(new DynamoDbHashIndex({ tableName: config.jobsTable })),
  // Admission by cost: an image whose estimated peak does not fit is refused before it is decoded.
  imageLimits: {
    ...DEFAULT_IMAGE_LIMITS,
    ...(memoryMb ? { memoryBudgetBytes: jobMemoryBudgetBytes(memoryMb) } : {}),
  },
  // Video and audio uploads start a transcode execution instead of being processed here.
  video: config.videoStateMachineArn
    ? {
        orchestrator: new SfnVideoOrchestrator({ stateMachineArn: config.videoStateMachineArn }),
        leaseMs: config.videoLeaseMs,
        maxBytes: config.maxVideoUploadBytes,
      }
    : undefined,
};

/** Retryable failures come back after 30 s, 1, 2, 4, 8 min… (equal jitter), capped at the visibility timeout. */
const redelivery = {
  baseSeconds: readPositiveNumber('workerRetryBaseSeconds') ?? 30,
  maxSeconds: readPositiveNumber('ingestVisibilitySeconds') ?? 720,
  leaseSeconds: config.jobLeaseMs / 1000,
};

/** A message stays hidden as long as its job's lease (plus a margin), renewed with the lease. */
const holdMessage = (record: SQSRecord) => (leaseMs: number) =>
  hideMessage(record, leaseMs / 1000 + 5).catch((error) =>
    logger.warn('could not extend the message visibility', { messageId: record.messageId, error }),
  );

/** Throws for retryable failures only, so the batch reports just that message as failed. */
async function handleRecord(record: SQSRecord): Promise<void> {
  try {
    // If this worker dies, the message comes back when the lease ends (the heartbeat extends both),
    // not after the queue's whole visibility timeout: the next worker takes the expired lease over.
    await holdMessage(record)(deps.leaseMs);
    await ingestRecord(record);
  } catch (error) {
    // Retryable: come back after a backoff, not after the queue's whole visibility timeout.
    const seconds = retryDelaySeconds(error, Number(record.attributes.ApproximateReceiveCount), redelivery);
    await hideMessage(record, seconds).catch((hideError) =>
      logger.warn('could not shorten the redelivery delay', { error: hideError }),
    );
    logger.warn('retryable failure; message comes back later', {
      messageId: record.messageId,
      seconds,
      error,
    });
    throw error;
  }
}

async function ingestRecord(record: SQSRecord): Promise<void> {
  const recordDeps = { ...deps, onLeaseRenewed: holdMessage(record) };
  for (const message of readIngestMessages(record)) {
    const outcome = await ingest(recordDeps, message);
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

export const handler = sqsBatchHandler(handleRecord);
