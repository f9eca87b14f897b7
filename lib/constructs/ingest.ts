import { type CfnResource, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvSettings } from '../../src/contract/env.js';
import { PRIORITIES } from '../../src/contract/queues.js';
import type { Priority } from '../../src/core/job.js';
import { UPLOADS_PREFIX, uploadsPrefixFor } from '../../src/core/keys.js';
import { ingestVisibilitySeconds, type StageConfig } from '../config.js';
import { acknowledgeBucketGrant } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';
import { SharpLayer } from './sharp-layer.js';
import { TENANT_PREFIX } from './storage.js';

const capitalize = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/**
 * Receives before a message moves to the DLQ (the dead-letter function then fails its job). The worker
 * hides a retryable failure for an exponential backoff (30 s doubling, capped at the visibility
 * timeout), so 9 redeliveries span about half an hour to an hour, as 5 receives at the full 12 min
 * visibility timeout did before the backoff.
 */
export const INGEST_MAX_RECEIVE_COUNT = 10;

export interface IngestProps {
  config: StageConfig;
  uploads: IBucket;
  outputs: IBucket;
  table: ITable;
  /** The job events bus: both functions change job state, so both publish. */
  eventBus: IEventBus;
  /** Variables every function shares, with one value each (built once by the stack). */
  environment: {
    uploadsBucket: string;
    outputsBucket: string;
    jobsTable: string;
    maxUploadBytes: string;
    jobLeaseSeconds: string;
    eventBusName: string;
  };
}

/**
 * Upload events to processed outputs: uploads bucket ObjectCreated (prefix uploads/{priority}/) → that
 * priority's SQS queue (the API also sends jobs for objects already uploaded there) → image worker, with
 * a concurrency cap per priority; after 5 receives a message goes to the DLQ, whose consumer marks the
 * job FAILED.
 */
export class Ingest extends Construct {
  readonly queues: Record<Priority, Queue>;
  /** The normal-priority queue (`IngestQueue`). */
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: PipelineFunction;
  readonly deadLetterHandler: PipelineFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { config, environment: env } = props;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Its consumer must be able to finish before a message reappears.
      visibilityTimeout: Duration.seconds(6 * config.deadLetter.timeoutSeconds),
    });

    // One queue per priority, all redriving to the one DLQ. Uploads reach theirs by key prefix
    // (uploads/{priority}/...), API-submitted jobs are sent to it directly.
    this.queues = Object.fromEntries(
      PRIORITIES.map((priority) => {
        const queue = new Queue(this, `${capitalize(priority)}Queue`, {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          // 6x the worker timeout: a batch that is retried by the Lambda service never reappears mid-run.
          visibilityTimeout: Duration.seconds(ingestVisibilitySeconds(config)),
          retentionPeriod: Duration.days(4),
          deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INGEST_MAX_RECEIVE_COUNT },
        });
        // Stable ids: the normal queue keeps the walking skeleton's `IngestQueue`.
        (queue.node.defaultChild as CfnResource).overrideLogicalId(
          priority === 'normal' ? 'IngestQueue' : `Ingest${capitalize(priority)}Queue`,
        );
        props.uploads.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(queue), {
          prefix: uploadsPrefixFor(priority),
        });
        return [priority, queue];
      }),
    ) as Record<Priority, Queue>;
    this.queue = this.queues.normal;
    (this.deadLetterQueue.node.defaultChild as CfnResource).overrideLogicalId('IngestDeadLetterQueue');

    const sharp = new SharpLayer(this, 'Sharp');
    this.worker = new PipelineFunction(this, 'ImageWorker', {
      entry: 'lambdas/image-worker/handler.ts',
      description: 'Processes uploaded images from the ingest queue (sharp): outputs, hashes, job state.',
      settings: config.worker,
      config,
      environment: {
        uploadsBucket: env.uploadsBucket,
        outputsBucket: env.outputsBucket,
        jobsTable: env.jobsTable,
        maxUploadBytes: env.maxUploadBytes,
        jobLeaseSeconds: env.jobLeaseSeconds,
        eventBusName: env.eventBusName,
        ingestVisibilitySeconds: String(ingestVisibilitySeconds(config)),
        workerMemoryMb: String(config.worker.memoryMb),
      },
      // sharp's native binaries come from the layer; everything else (the AWS SDK too) is bundled.
      externalModules: ['sharp'],
      layers: [sharp.layer],
    });
    const worker = this.worker.function;
    for (const priority of PRIORITIES) {
      worker.addEventSource(
        new SqsEventSource(this.queues[priority], {
          batchSize: 5,
          reportBatchItemFailures: true,
          maxConcurrency: config.worker.maxConcurrency[priority],
        }),
      );
    }
    for (const prefix of [TENANT_PREFIX, UPLOADS_PREFIX]) {
      props.uploads.grantRead(worker, `${prefix}*`);
      acknowledgeBucketGrant(this.worker, props.uploads, 'read', `${prefix}*`);
    }
    props.outputs.grantPut(worker, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.worker, props.outputs, 'put', `${TENANT_PREFIX}*`);
    // Its `media.job.completed` events carry presigned GET URLs of the outputs, signed with its role.
    props.outputs.grantRead(worker, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.worker, props.outputs, 'read', `${TENANT_PREFIX}*`);
    props.table.grantReadWriteData(worker);
    props.eventBus.grantPutEventsTo(worker);

    this.deadLetterHandler = new PipelineFunction(this, 'DeadLetter', {
      entry: 'lambdas/dead-letter/handler.ts',
      description: 'Marks the jobs of dead-lettered ingest messages FAILED (RETRIES_EXHAUSTED).',
      settings: config.deadLetter,
      config,
      // The buckets' names only because the shared function config requires them; no access is granted.
      environment: {
        uploadsBucket: env.uploadsBucket,
        outputsBucket: env.outputsBucket,
        jobsTable: env.jobsTable,
        eventBusName: env.eventBusName,
      },
    });
    const deadLetter = this.deadLetterHandler.function;
    deadLetter.addEventSource(
      new SqsEventSource(this.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.table.grantReadWriteData(deadLetter);
    props.eventBus.grantPutEventsTo(deadLetter);
  }
}

/** The four queue URLs, for a function that enqueues jobs (grant it sending separately). */
export const queueUrlSettings = (queues: Record<Priority, IQueue>): EnvSettings => ({
  queueUrlUrgent: queues.urgent.queueUrl,
  queueUrlHigh: queues.high.queueUrl,
  queueUrlNormal: queues.normal.queueUrl,
  queueUrlLow: queues.low.queueUrl,
});
