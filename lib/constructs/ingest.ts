import { type CfnResource, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ingestVisibilitySeconds, type StageConfig } from '../config.js';
import { acknowledgeBucketGrant } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';
import { SharpLayer } from './sharp-layer.js';
import { TENANT_PREFIX } from './storage.js';

/** Receives before a message moves to the DLQ (the dead-letter function then fails its job). */
export const INGEST_MAX_RECEIVE_COUNT = 5;

export interface IngestProps {
  config: StageConfig;
  uploads: IBucket;
  outputs: IBucket;
  table: ITable;
  /** Variables every function shares, with one value each (built once by the stack). */
  environment: {
    UPLOADS_BUCKET: string;
    OUTPUTS_BUCKET: string;
    JOBS_TABLE: string;
    MAX_UPLOAD_BYTES: string;
    JOB_LEASE_SECONDS: string;
  };
}

/**
 * Upload events to processed outputs: uploads bucket ObjectCreated (prefix t/) → SQS ingest queue
 * (the API also enqueues jobs for objects already uploaded) → image worker; after 5 receives a message
 * goes to the DLQ, whose consumer marks the job FAILED.
 */
export class Ingest extends Construct {
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

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // 6x the worker timeout: a batch that is retried by the Lambda service never reappears mid-run.
      visibilityTimeout: Duration.seconds(ingestVisibilitySeconds(config)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INGEST_MAX_RECEIVE_COUNT },
    });
    (this.queue.node.defaultChild as CfnResource).overrideLogicalId('IngestQueue');
    (this.deadLetterQueue.node.defaultChild as CfnResource).overrideLogicalId('IngestDeadLetterQueue');

    props.uploads.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.queue), {
      prefix: TENANT_PREFIX,
    });

    const sharp = new SharpLayer(this, 'Sharp');
    this.worker = new PipelineFunction(this, 'ImageWorker', {
      entry: 'lambdas/image-worker/handler.ts',
      description: 'Processes uploaded images from the ingest queue (sharp): outputs, hashes, job state.',
      settings: config.worker,
      config,
      environment: {
        UPLOADS_BUCKET: env.UPLOADS_BUCKET,
        OUTPUTS_BUCKET: env.OUTPUTS_BUCKET,
        JOBS_TABLE: env.JOBS_TABLE,
        MAX_UPLOAD_BYTES: env.MAX_UPLOAD_BYTES,
        JOB_LEASE_SECONDS: env.JOB_LEASE_SECONDS,
      },
      // sharp's native binaries come from the layer; everything else (the AWS SDK too) is bundled.
      externalModules: ['sharp'],
      layers: [sharp.layer],
    });
    const worker = this.worker.function;
    worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: config.worker.maxConcurrency,
      }),
    );
    props.uploads.grantRead(worker, `${TENANT_PREFIX}*`);
    props.outputs.grantPut(worker, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.worker, props.uploads, 'read', `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.worker, props.outputs, 'put', `${TENANT_PREFIX}*`);
    props.table.grantReadWriteData(worker);

    this.deadLetterHandler = new PipelineFunction(this, 'DeadLetter', {
      entry: 'lambdas/dead-letter/handler.ts',
      description: 'Marks the jobs of dead-lettered ingest messages FAILED (RETRIES_EXHAUSTED).',
      settings: config.deadLetter,
      config,
      // The buckets' names only because the shared function config requires them; no access is granted.
      environment: {
        UPLOADS_BUCKET: env.UPLOADS_BUCKET,
        OUTPUTS_BUCKET: env.OUTPUTS_BUCKET,
        JOBS_TABLE: env.JOBS_TABLE,
      },
    });
    const deadLetter = this.deadLetterHandler.function;
    deadLetter.addEventSource(
      new SqsEventSource(this.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.table.grantReadWriteData(deadLetter);
  }
}
