import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES, routeParts } from '../../src/contract/routes.js';
import type { Priority } from '../../src/core/job.js';
import { UPLOADS_PREFIX } from '../../src/core/keys.js';
import type { StageConfig } from '../config.js';
import { acknowledgeBucketGrant, acknowledgeNag } from '../nag.js';
import { type Batches, REPORTS_PREFIX } from './batches.js';
import { queueUrlSettings } from './ingest.js';
import { PipelineFunction } from './pipeline-function.js';
import { TENANT_PREFIX } from './storage.js';
import type { Webhooks } from './webhooks.js';

/** Every route of the HTTP API (src/contract/routes.ts); all go to the one api function, which routes internally. */
export const API_ROUTES: readonly { method: HttpMethod; path: string }[] = Object.values(ROUTES).map(
  (key) => {
    const { method, path } = routeParts(key);
    return { method: HttpMethod[method], path };
  },
);

export interface ApiProps {
  config: StageConfig;
  uploads: IBucket;
  outputs: IBucket;
  table: ITable;
  /** The job queue of each priority. */
  queues: Record<Priority, IQueue>;
  /** The ingest dead-letter queue: GET /stats reports its depth. */
  deadLetterQueue: IQueue;
  /** Job events (submission, cancellation and retry change job state). */
  eventBus: IEventBus;
  /** Endpoint secrets (encrypt and decrypt) and delivery replays (send to the delivery queue). */
  webhooks: Pick<Webhooks, 'grantManageSecrets' | 'grantReplay'>;
  /** Batches: the api starts and schedules their executions, and reads their reports. */
  batches: Batches;
  environment: {
    uploadsBucket: string;
    outputsBucket: string;
    jobsTable: string;
    maxUploadBytes: string;
    uploadUrlTtlSeconds: string;
    eventBusName: string;
    webhookDeliveryQueueUrl: string;
    webhookSecretsKeyId: string;
  };
}

/**
 * The HTTP API (API Gateway v2, payload format 2.0) in front of one api function.
 * Authentication is the api function's own middleware: per-tenant API keys (`x-api-key`), stored as
 * SHA-256 hashes in the jobs table. There is no Lambda authorizer, because an HTTP API authorizer
 * answers a wrong key with 403 (not 401) and cannot return RFC 7807 problem details.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly handler: PipelineFunction;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, environment: env } = props;

    this.handler = new PipelineFunction(this, 'Handler', {
      entry: 'lambdas/api/handler.ts',
      description: 'HTTP API: uploads (presigned POST), job submission, status, listing and cancellation.',
      settings: config.api,
      config,
      environment: {
        uploadsBucket: env.uploadsBucket,
        outputsBucket: env.outputsBucket,
        jobsTable: env.jobsTable,
        maxUploadBytes: env.maxUploadBytes,
        uploadUrlTtlSeconds: env.uploadUrlTtlSeconds,
        maxActiveJobsPerTenant: String(config.maxActiveJobsPerTenant),
        rateLimits: JSON.stringify(config.rateLimits),
        ...queueUrlSettings(props.queues),
        ingestDeadLetterQueueUrl: props.deadLetterQueue.queueUrl,
        eventBusName: env.eventBusName,
        webhookDeliveryQueueUrl: env.webhookDeliveryQueueUrl,
        webhookSecretsKeyId: env.webhookSecretsKeyId,
        batchStateMachineArn: props.batches.stateMachine.stateMachineArn,
        batchSchedulerRoleArn: props.batches.schedulerRole.roleArn,
      },
    });
    const fn = this.handler.function;
    props.table.grantReadWriteData(fn);
    // Presigned POSTs are signed with the function's credentials: it needs PutObject on upload keys.
    props.uploads.grantPut(fn, `${UPLOADS_PREFIX}*`);
    acknowledgeBucketGrant(this.handler, props.uploads, 'put', `${UPLOADS_PREFIX}*`);
    // HEAD of an already-uploaded source for POST /jobs (the tenant's own keys, or its uploads).
    for (const prefix of [TENANT_PREFIX, UPLOADS_PREFIX]) {
      props.uploads.grantRead(fn, `${prefix}*`);
      acknowledgeBucketGrant(this.handler, props.uploads, 'read', `${prefix}*`);
    }
    // Presigned GET URLs of the outputs.
    props.outputs.grantRead(fn, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.handler, props.outputs, 'read', `${TENANT_PREFIX}*`);
    for (const queue of Object.values(props.queues)) queue.grantSendMessages(fn);
    props.deadLetterQueue.grant(fn, 'sqs:GetQueueAttributes');
    props.eventBus.grantPutEventsTo(fn);
    props.webhooks.grantManageSecrets(fn);
    props.webhooks.grantReplay(fn);
    props.batches.grantSubmit(fn);
    props.outputs.grantRead(fn, `${REPORTS_PREFIX}*`);
    acknowledgeBucketGrant(this.handler, props.outputs, 'read', `${REPORTS_PREFIX}*`);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `media-pipeline-${config.stage}`,
      description: `media-pipeline HTTP API (${config.stage})`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: config.corsAllowedOrigins,
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['content-type', 'x-api-key', 'idempotency-key', 'authorization'],
        exposeHeaders: ['location', 'x-request-id'],
        maxAge: Duration.hours(1),
      },
    });

    const integration = new HttpLambdaIntegration('ApiIntegration', fn);
    for (const route of API_ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    acknowledgeNag(this.httpApi, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Authentication is done by the api function itself (per-tenant API keys, stored as SHA-256 hashes ' +
          'in the jobs table, checked before any route runs): a Lambda authorizer would answer 403 instead ' +
          'of 401 and cannot return RFC 7807 problem details.',
      },
    ]);
  }

  /** The base URL of the `$default` stage (no trailing slash). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
