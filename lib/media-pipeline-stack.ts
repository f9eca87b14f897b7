import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { jobLeaseSeconds, type StageConfig } from './config.js';
import { Api } from './constructs/api.js';
import { Ingest } from './constructs/ingest.js';
import { JobTable } from './constructs/job-table.js';
import { Monitoring } from './constructs/monitoring.js';
import { Storage } from './constructs/storage.js';
import { acknowledgeNag } from './nag.js';

export interface MediaPipelineStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The walking skeleton's image path: uploads bucket → (S3 event) ingest queue → image worker → outputs
 * bucket, job state in DynamoDB, an HTTP API in front. Environment-agnostic: synthesizes without
 * credentials. The local runtime runs this same template (see docs/architecture.md).
 */
export class MediaPipelineStack extends Stack {
  readonly config: StageConfig;
  readonly storage: Storage;
  readonly jobs: JobTable;
  readonly ingest: Ingest;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: MediaPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    this.storage = new Storage(this, 'Storage', { config });
    this.jobs = new JobTable(this, 'Jobs', { config });

    // One value per variable, whichever function gets it.
    const env = {
      UPLOADS_BUCKET: this.storage.uploads.bucketName,
      OUTPUTS_BUCKET: this.storage.outputs.bucketName,
      JOBS_TABLE: this.jobs.table.tableName,
      MAX_UPLOAD_BYTES: String(config.maxUploadBytes),
      UPLOAD_URL_TTL_SECONDS: String(config.uploadUrlTtlSeconds),
      JOB_LEASE_SECONDS: String(jobLeaseSeconds(config)),
    };

    this.ingest = new Ingest(this, 'Ingest', {
      config,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      table: this.jobs.table,
      environment: env,
    });

    this.api = new Api(this, 'Api', {
      config,
      uploads: this.storage.uploads,
      outputs: this.storage.outputs,
      table: this.jobs.table,
      queues: this.ingest.queues,
      environment: env,
    });

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
        },
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UploadsBucketName', { value: this.storage.uploads.bucketName });
    new CfnOutput(this, 'OutputsBucketName', { value: this.storage.outputs.bucketName });
    new CfnOutput(this, 'JobsTableName', { value: this.jobs.table.tableName });

    acknowledgeNag(this, [
      {
        id: 'AwsSolutions-IAM5[Resource::<JobsTable.Arn>/index/*]',
        reason:
          'CDK grantReadWriteData on the jobs table adds its own indexes (index/*): only the table’s GSI ' +
          '(ActiveByTenant) matches, no other resource.',
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
