import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { environmentOf } from '../src/contract/env.js';
import { jobLeaseSeconds, type StageConfig } from './config.js';
import { Api } from './constructs/api.js';
import { Batches } from './constructs/batches.js';
import { ConsoleSite } from './constructs/console-site.js';
import { JobEvents } from './constructs/events.js';
import { Ingest, queueUrlSettings } from './constructs/ingest.js';
import { JobTable } from './constructs/job-table.js';
import { Monitoring } from './constructs/monitoring.js';
import { Reconciler } from './constructs/reconciler.js';
import { Storage } from './constructs/storage.js';
import { Video } from './constructs/video.js';
import { Webhooks } from './constructs/webhooks.js';
import { acknowledgeNag } from './nag.js';

export interface MediaPipelineStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The image path: uploads bucket → (S3 event) ingest queue → image worker → outputs bucket, job state in
 * DynamoDB, an HTTP API in front; job events on an EventBridge bus, delivered to tenants' webhooks.
 * Environment-agnostic: synthesizes without credentials. The local runtime runs this same template (see
 * docs/architecture.md).
 */
export class MediaPipelineStack extends Stack {
  readonly config: StageConfig;
  readonly storage: Storage;
  readonly jobs: JobTable;
  readonly ingest: Ingest;
  readonly api: Api;
  readonly events: JobEvents;
  readonly webhooks: Webhooks;
  readonly batches: Batches;
  readonly video: Video;
  readonly reconciler: Reconciler;

  constructor(scope: Construct, id: string, props: MediaPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    this.storage = new Storage(this, 'Storage', { config });
    this.jobs = new JobTable(this, 'Jobs', { config });
    const table = this.jobs.table;

    // One value per variable, whichever function gets it (the stage and the Powertools settings are added
    // to every function by PipelineFunction).
    const base = {
      uploadsBucket: this.storage.uploads.bucketName,
      outputsBucket: this.storage.outputs.bucketName,
      jobsTable: table.tableName,
    };
    this.events = new JobEvents(this, 'Events', {
      config,
      table,
      outputs: this.storage.outputs,
      environment: base,
    });
    this.webhooks = new Webhooks(this, 'Webhooks', {
      config,
      bus: this.events.bus,
      table,
      environment: base,
    });

    const env = {
      ...base,
      maxUploadBytes: String(config.maxUploadBytes),
      uploadUrlTtlSeconds: String(config.uploadUrlTtlSeconds),
      jobLeaseSeconds: String(jobLeaseSeconds(config)),
      eventBusName: this.events.bus.eventBusName,
      webhookDeliveryQueueUrl: this.webhooks.deliveryQueue.queueUrl,
      webhookSecretsKeyId: this.webhooks.secretsKey.keyArn,
    };

    this.ingest = new Ingest(this, 'Ingest', {
      config,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      table,
      eventBus: this.events.bus,
      environment: env,
    });

    this.video = new Video(this, 'Video', {
      config,
      table,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      bus: this.events.bus,
      environment: { ...base, eventBusName: this.events.bus.eventBusName },
    });
    // Video/audio uploads: the worker starts the execution, the API stops it on cancel.
    const videoEnvironment = {
      videoStateMachineArn: this.video.stateMachine.stateMachineArn,
      videoLeaseSeconds: String(this.video.executionTimeout.toSeconds() + 600),
      maxVideoUploadBytes: String(config.video.maxUploadBytes),
    };
    for (const [name, value] of Object.entries(environmentOf(videoEnvironment)))
      this.ingest.worker.function.addEnvironment(name, value);
    this.video.grantStart(this.ingest.worker.function);

    this.batches = new Batches(this, 'Batches', {
      config,
      table,
      outputs: this.storage.outputs,
      bus: this.events.bus,
      queues: this.ingest.queues,
      environment: {
        ...base,
        eventBusName: this.events.bus.eventBusName,
        ...queueUrlSettings(this.ingest.queues),
      },
    });

    this.api = new Api(this, 'Api', {
      batches: this.batches,
      config,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      table,
      queues: this.ingest.queues,
      deadLetterQueue: this.ingest.deadLetterQueue,
      eventBus: this.events.bus,
      webhooks: this.webhooks,
      environment: env,
    });

    if (config.consoleSite) {
      const site = new ConsoleSite(this, 'Console', {
        apiUrl: this.api.url,
        mediaBuckets: [this.storage.uploads, this.storage.outputs],
        accessLogs: this.storage.accessLogs,
        removalPolicy: config.removalPolicy,
        autoDeleteObjects: config.autoDeleteObjects,
      });
      new CfnOutput(this, 'ConsoleUrl', {
        value: site.url,
        description: 'The operator console (paste an API key)',
      });
    }

    const { videoLeaseSeconds: _workerOnly, ...apiVideoEnvironment } = videoEnvironment;
    for (const [name, value] of Object.entries(environmentOf(apiVideoEnvironment)))
      this.api.handler.function.addEnvironment(name, value);
    this.video.grantStop(this.api.handler.function);

    this.reconciler = new Reconciler(this, 'Reconciler', {
      config,
      table,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      bus: this.events.bus,
      queues: this.ingest.queues,
      deliveryQueue: this.webhooks.deliveryQueue,
      environment: {
        ...base,
        uploadUrlTtlSeconds: String(config.uploadUrlTtlSeconds),
        webhookDeliveryQueueUrl: this.webhooks.deliveryQueue.queueUrl,
        eventBusName: this.events.bus.eventBusName,
        ...queueUrlSettings(this.ingest.queues),
        videoStateMachineArn: this.video.stateMachine.stateMachineArn,
        batchStateMachineArn: this.batches.stateMachine.stateMachineArn,
      },
    });
    this.video.grantDescribe(this.reconciler.fn.function);
    this.batches.grantReconcile(this.reconciler.fn.function);

    if (config.alarms) {
      new Monitoring(this, 'Monitoring', {
        config,
        removalPolicy: config.removalPolicy,
        queues: Object.values(this.ingest.queues),
        deadLetterQueue: this.ingest.deadLetterQueue,
        httpApi: this.api.httpApi,
        functions: {
          api: this.api.handler.function,
          'image-worker': this.ingest.worker.function,
          'dead-letter': this.ingest.deadLetterHandler.function,
          'webhook-fanout': this.webhooks.fanout.function,
          'webhook-dispatcher': this.webhooks.dispatcher.function,
          'outbox-sweeper': this.events.sweeper.function,
          'batch-tasks': this.batches.tasks.function,
          'batch-callback': this.batches.callback.function,
          'video-tasks': this.video.tasks.function,
          reconciler: this.reconciler.fn.function,
        },
        webhooks: this.webhooks,
        batches: this.batches,
        video: this.video,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UploadsBucketName', { value: this.storage.uploads.bucketName });
    new CfnOutput(this, 'OutputsBucketName', { value: this.storage.outputs.bucketName });
    new CfnOutput(this, 'JobsTableName', { value: this.jobs.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'BatchStateMachineArn', { value: this.batches.stateMachine.stateMachineArn });
    new CfnOutput(this, 'VideoStateMachineArn', { value: this.video.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EventArchiveName', { value: this.events.archive.archiveName });

    acknowledgeNag(this, [
      {
        id: 'AwsSolutions-IAM5[Resource::<JobsTable.Arn>/index/*]',
        reason:
          'CDK grantReadWriteData on the jobs table adds its own indexes (index/*): only the table’s GSIs ' +
          '(ActiveByTenant, OutboxPending, JobsByBatch, PendingByBatch, ReconcileDue) match, no other resource.',
      },
    ]);
    this.acknowledgeFrameworkFindings();
  }

  /** cdk-nag findings on the singleton functions CDK itself adds (S3 bucket notifications). */
  private acknowledgeFrameworkFindings(): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      acknowledgeNag(child, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'CDK-provided S3 notifications handler: the managed policy only allows writing its logs.',
        },
      ]);
    }
  }
}
