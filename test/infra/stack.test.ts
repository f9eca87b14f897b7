import { existsSync, readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.js';
import { STAGES, type StageName, stageConfig } from '../../lib/config.js';
import type { MediaPipelineStack } from '../../lib/media-pipeline-stack.js';
import { fromRoot } from '../../lib/paths.js';
import {
  type CfnResource,
  ENTRIES,
  functionByEntry,
  type Json,
  NO_BUNDLING,
  ofType,
  type Resources,
} from '../support/infra-template.js';

// Nothing is bundled: no esbuild, no npm install for the sharp layer, no Docker.

interface Synthesized {
  stack: MediaPipelineStack;
  template: Template;
  resources: Resources;
}

const synthesized = {} as Record<StageName, Synthesized>;

beforeAll(() => {
  for (const stage of STAGES) {
    const { stack } = createApp({ stage, context: NO_BUNDLING });
    const template = Template.fromStack(stack);
    synthesized[stage] = { stack, template, resources: template.toJSON().Resources as Resources };
  }
});

function mappingOf(resources: Resources, functionId: string): CfnResource {
  const found = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter(
    ([, esm]) => esm.Properties.FunctionName?.Ref === functionId,
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, CfnResource])[1];
}

const workerMappings = (resources: Resources, functionId: string) =>
  ofType(resources, 'AWS::Lambda::EventSourceMapping')
    .filter(([, esm]) => esm.Properties.FunctionName?.Ref === functionId)
    .map(([, esm]) => esm);

/** The queues a function's event source mappings read, by logical id. */
const workerQueues = (resources: Resources, functionId: string): Resources =>
  Object.fromEntries(
    workerMappings(resources, functionId).map((esm) => {
      const id = getAttId(esm.Properties.EventSourceArn);
      return [id, resources[id] as CfnResource];
    }),
  );

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` → id */
const getAttId = (value: Json): string => {
  expect(value?.['Fn::GetAtt']?.[1]).toBe('Arn');
  return value['Fn::GetAtt'][0];
};

describe('MediaPipeline stack (dev)', () => {
  const dev = () => synthesized.dev;

  it('is named per stage and environment-agnostic', () => {
    expect(dev().stack.stackName).toBe('MediaPipeline-dev');
    expect(dev().stack.resolve(dev().stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(dev().stack.resolve(dev().stack.region)).toEqual({ Ref: 'AWS::Region' });
  });

  it('gives every priority queue a visibility timeout of at least 6x the worker timeout', () => {
    const { resources } = dev();
    const [workerId, worker] = functionByEntry(resources, ENTRIES.worker);
    const queues = workerQueues(resources, workerId);
    expect(Object.keys(queues).sort()).toEqual([
      'IngestHighQueue',
      'IngestLowQueue',
      'IngestQueue',
      'IngestUrgentQueue',
    ]);
    expect(worker.Properties.Timeout).toBeGreaterThan(0);
    for (const queue of Object.values(queues)) {
      expect(queue.Type).toBe('AWS::SQS::Queue');
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Properties.Timeout);
    }
    // A short lease the worker renews (heartbeat), well inside the function's timeout and the queue's:
    // with the message hidden 5 s past it, a dead worker's job is claimed again within 30 s.
    const lease = Number(worker.Properties.Environment.Variables.JOB_LEASE_SECONDS);
    expect(lease + 5).toBeLessThanOrEqual(30);
    expect(lease).toBeLessThan(worker.Properties.Timeout);
  });

  it('redrives every priority queue to one 14-day DLQ after at least 5 receives, consumed by the dead-letter function', () => {
    const { resources } = dev();
    const [workerId] = functionByEntry(resources, ENTRIES.worker);
    const dlqIds = new Set<string>();
    for (const queue of Object.values(workerQueues(resources, workerId))) {
      const redrive = queue.Properties.RedrivePolicy;
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(5);
      dlqIds.add(getAttId(redrive.deadLetterTargetArn));
    }
    expect([...dlqIds]).toEqual(['IngestDeadLetterQueue']);
    expect(resources.IngestDeadLetterQueue?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);

    const [deadLetterId, deadLetter] = functionByEntry(resources, ENTRIES.deadLetter);
    const dlqMapping = mappingOf(resources, deadLetterId);
    expect(getAttId(dlqMapping.Properties.EventSourceArn)).toBe('IngestDeadLetterQueue');
    expect(dlqMapping.Properties.BatchSize).toBe(10);
    expect(resources.IngestDeadLetterQueue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      deadLetter.Properties.Timeout,
    );
  });

  it('encrypts every queue (SSE-SQS) and denies non-TLS access to them', () => {
    const { resources, template } = dev();
    const queues = ofType(resources, 'AWS::SQS::Queue');
    // Four priority queues and their DLQ; the webhook events and delivery queues, their DLQs, and the
    // DLQ of the bus rule's target.
    expect(queues.map(([id]) => id).sort()).toEqual(
      [
        'BatchCallbackDeadLetterQueue',
        'IngestDeadLetterQueue',
        'IngestHighQueue',
        'IngestLowQueue',
        'IngestQueue',
        'IngestUrgentQueue',
        'WebhookDeliveryDeadLetterQueue',
        'WebhookDeliveryQueue',
        'WebhookEventsDeadLetterQueue',
        'WebhookEventsQueue',
        'WebhookEventsTargetDeadLetterQueue',
      ].sort(),
    );
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: Match.arrayWith([{ Ref: id }]),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('reports batch item failures on every event source mapping; each priority has its own concurrency cap', () => {
    const { resources } = dev();
    const mappings = ofType(resources, 'AWS::Lambda::EventSourceMapping');
    // Four priority queues and the ingest DLQ; the webhook events and delivery queues.
    expect(mappings).toHaveLength(7);
    for (const [, esm] of mappings) {
      expect(esm.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
    const [workerId] = functionByEntry(resources, ENTRIES.worker);
    const caps = stageConfig('dev').worker.maxConcurrency;
    const byQueue = Object.fromEntries(
      workerMappings(resources, workerId).map((esm) => [
        getAttId(esm.Properties.EventSourceArn),
        esm.Properties,
      ]),
    );
    expect(byQueue.IngestUrgentQueue?.ScalingConfig).toEqual({ MaximumConcurrency: caps.urgent });
    expect(byQueue.IngestHighQueue?.ScalingConfig).toEqual({ MaximumConcurrency: caps.high });
    expect(byQueue.IngestQueue?.ScalingConfig).toEqual({ MaximumConcurrency: caps.normal });
    expect(byQueue.IngestLowQueue?.ScalingConfig).toEqual({ MaximumConcurrency: caps.low });
    for (const esm of Object.values(byQueue)) expect(esm.BatchSize).toBe(5);
    expect(caps.low).toBeLessThan(caps.urgent);
  });

  it('blocks public access, encrypts and requires TLS on every bucket', () => {
    const { resources, template } = dev();
    const buckets = ofType(resources, 'AWS::S3::Bucket');
    expect(buckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AccessLogsBucket',
      'ConsoleFiles',
      'OutputsBucket',
      'UploadsBucket',
    ]);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    for (const id of ['UploadsBucket', 'OutputsBucket']) {
      expect(resources[id]?.Properties.LoggingConfiguration.DestinationBucketName).toEqual({
        Ref: 'AccessLogsBucket',
      });
      expect(resources[id]?.Properties.VersioningConfiguration).toBeUndefined();
    }
  });

  it('lets browsers POST to the uploads bucket and expires uploads under uploads/ and t/', () => {
    const uploads = dev().resources.UploadsBucket as CfnResource;
    expect(uploads.Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: expect.arrayContaining(['POST', 'PUT']) }),
    ]);
    const days = stageConfig('dev').abandonedUploadExpiryDays;
    expect(uploads.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: days, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 't/', ExpirationInDays: days, Status: 'Enabled' }),
      ]),
    );
  });

  it('routes ObjectCreated events under uploads/{priority}/ to that priority’s queue', () => {
    const { resources } = dev();
    const notifications = ofType(resources, 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const [, notification] = notifications[0] as [string, CfnResource];
    expect(notification.Properties.BucketName).toEqual({ Ref: 'UploadsBucket' });
    const routes = notification.Properties.NotificationConfiguration.QueueConfigurations.map((q: Json) => [
      q.Filter.Key.FilterRules,
      getAttId(q.QueueArn),
      q.Events,
    ]);
    expect(routes).toEqual([
      [[{ Name: 'prefix', Value: 'uploads/urgent/' }], 'IngestUrgentQueue', ['s3:ObjectCreated:*']],
      [[{ Name: 'prefix', Value: 'uploads/high/' }], 'IngestHighQueue', ['s3:ObjectCreated:*']],
      [[{ Name: 'prefix', Value: 'uploads/normal/' }], 'IngestQueue', ['s3:ObjectCreated:*']],
      [[{ Name: 'prefix', Value: 'uploads/low/' }], 'IngestLowQueue', ['s3:ObjectCreated:*']],
    ]);
  });

  it('holds jobs, batches, idempotency records and API keys in one pk/sk table, with sparse indexes', () => {
    const table = dev().resources.JobsTable as CfnResource;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'activeTenant', AttributeType: 'S' },
        { AttributeName: 'outboxAt', AttributeType: 'S' },
        { AttributeName: 'batchKey', AttributeType: 'S' },
        { AttributeName: 'pendingBatch', AttributeType: 'S' },
        { AttributeName: 'reconcileShard', AttributeType: 'S' },
        { AttributeName: 'reconcileAt', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    // Sparse, keys-only indexes: unfinished jobs per tenant (admission limits), and jobs with unpublished
    // events (the outbox sweeper; see test/infra/events.test.ts).
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'ActiveByTenant',
        KeySchema: [
          { AttributeName: 'activeTenant', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: 'OutboxPending',
        KeySchema: [{ AttributeName: 'outboxAt', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      // A batch's jobs in order with every attribute (counts, pages, report), and its unstarted jobs.
      {
        IndexName: 'JobsByBatch',
        KeySchema: [
          { AttributeName: 'batchKey', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'PendingByBatch',
        KeySchema: [
          { AttributeName: 'pendingBatch', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        // Unfinished jobs by when the reconciler should look at them (src/reconciler/schedule.ts).
        IndexName: 'ReconcileDue',
        KeySchema: [
          { AttributeName: 'reconcileShard', KeyType: 'HASH' },
          { AttributeName: 'reconcileAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
  });

  it('routes exactly the API’s routes to the api function (payload 2.0, no authorizer)', () => {
    const { resources } = dev();
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, route]) => route);
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      [
        'GET /openapi.json',
        'GET /health',
        'GET /stats',
        'GET /dead-letters',
        'POST /dead-letters/redrive',
        'POST /batches',
        'GET /batches',
        'GET /batches/{id}',
        'DELETE /batches/{id}',
        'GET /batches/{id}/report',
        'POST /batches/{id}/jobs/{jobId}/retry',
        'DELETE /batches/{id}/jobs/{jobId}',
        'DELETE /jobs/{id}',
        'GET /jobs',
        'GET /jobs/{id}',
        'POST /jobs',
        'POST /uploads',
        'GET /presets',
        'GET /presets/{name}',
        'PUT /presets/{name}',
        'DELETE /presets/{name}',
        'GET /assets/{id}/similar',
        'POST /similar',
        'POST /webhooks',
        'GET /webhooks',
        'GET /webhooks/{id}',
        'DELETE /webhooks/{id}',
        'POST /webhooks/{id}/rotate-secret',
        'POST /webhooks/{id}/enable',
        'GET /webhooks/{id}/deliveries',
        'POST /webhooks/deliveries/{id}/replay',
      ].sort(),
    );
    const [apiId] = functionByEntry(resources, ENTRIES.api);
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const integration = resources[integrationId] as CfnResource;
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [apiId, 'Arn'] },
      });
    }
    expect(ofType(resources, 'AWS::ApiGatewayV2::Authorizer')).toHaveLength(0);
  });

  it('configures CORS preflight, throttling and access logs on the HTTP API', () => {
    const { template } = dev();
    const config = stageConfig('dev');
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: config.corsAllowedOrigins,
        AllowHeaders: Match.arrayWith(['content-type', 'x-api-key', 'idempotency-key']),
      }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.apiThrottle.rateLimit,
        ThrottlingBurstLimit: config.apiThrottle.burstLimit,
      },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('\\$context.requestId') }),
    });
  });

  it('runs our functions on nodejs22.x/arm64 with tracing, and names an existing entry file for each', () => {
    const functions = ofType(dev().resources, 'AWS::Lambda::Function');
    const ours = functions.filter(([, fn]) => fn.Metadata?.['media-pipeline:entry'] !== undefined);
    const entries = ours.map(([, fn]) => fn.Metadata?.['media-pipeline:entry']);
    expect(entries.sort()).toEqual(Object.values(ENTRIES).sort());
    for (const [id, fn] of ours) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig.LogGroup, id).toBeDefined();
      expect(fn.Metadata?.['media-pipeline:handler'], id).toBe('handler');
      expect(fn.Properties.Handler, id).toBe('index.handler');
      const entry = fn.Metadata?.['media-pipeline:entry'] as string;
      expect(existsSync(fromRoot(entry)), `${entry} exists`).toBe(true);
    }
    // Every other function is one CDK adds itself (S3 notifications, auto-delete of dev buckets, the
    // console site's deployment).
    for (const [id] of functions.filter((f) => !ours.includes(f))) {
      expect(id).toMatch(
        /^(BucketNotificationsHandler|CustomS3AutoDeleteObjectsCustomResourceProvider|CustomCDKBucketDeployment)/,
      );
    }
  });

  it('gives each function only its variables, with one value per variable across functions', () => {
    const { resources } = dev();
    const env = (entry: string) => functionByEntry(resources, entry)[1].Properties.Environment.Variables;
    const powertools = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'];
    const common = ['STAGE', 'NODE_OPTIONS', ...powertools];
    const keys = (entry: string) => Object.keys(env(entry)).sort();
    expect(keys(ENTRIES.api)).toEqual(
      [
        ...common,
        'UPLOADS_BUCKET',
        'OUTPUTS_BUCKET',
        'JOBS_TABLE',
        'MAX_UPLOAD_BYTES',
        'UPLOAD_URL_TTL_SECONDS',
        'MAX_ACTIVE_JOBS_PER_TENANT',
        'RATE_LIMITS',
        'QUEUE_URL_URGENT',
        'QUEUE_URL_HIGH',
        'QUEUE_URL_NORMAL',
        'QUEUE_URL_LOW',
        'INGEST_DEAD_LETTER_QUEUE_URL',
        'EVENT_BUS_NAME',
        'WEBHOOK_DELIVERY_QUEUE_URL',
        'WEBHOOK_SECRETS_KEY_ID',
        'BATCH_STATE_MACHINE_ARN',
        'BATCH_SCHEDULER_ROLE_ARN',
        'VIDEO_STATE_MACHINE_ARN',
        'MAX_VIDEO_UPLOAD_BYTES',
      ].sort(),
    );
    const batchFunction = [
      ...common,
      'UPLOADS_BUCKET',
      'OUTPUTS_BUCKET',
      'JOBS_TABLE',
      'EVENT_BUS_NAME',
      'QUEUE_URL_URGENT',
      'QUEUE_URL_HIGH',
      'QUEUE_URL_NORMAL',
      'QUEUE_URL_LOW',
    ].sort();
    expect(keys(ENTRIES.batchTasks)).toEqual(batchFunction);
    expect(keys(ENTRIES.batchCallback)).toEqual(batchFunction);
    expect(keys(ENTRIES.worker)).toEqual(
      [
        ...common,
        'UPLOADS_BUCKET',
        'OUTPUTS_BUCKET',
        'JOBS_TABLE',
        'MAX_UPLOAD_BYTES',
        'JOB_LEASE_SECONDS',
        'EVENT_BUS_NAME',
        'INGEST_VISIBILITY_SECONDS',
        'WORKER_MEMORY_MB',
        'VIDEO_STATE_MACHINE_ARN',
        'VIDEO_LEASE_SECONDS',
        'MAX_VIDEO_UPLOAD_BYTES',
      ].sort(),
    );
    expect(keys(ENTRIES.videoTasks)).toEqual(
      [...common, 'UPLOADS_BUCKET', 'OUTPUTS_BUCKET', 'JOBS_TABLE', 'EVENT_BUS_NAME'].sort(),
    );
    expect(keys(ENTRIES.deadLetter)).toEqual(
      [...common, 'UPLOADS_BUCKET', 'OUTPUTS_BUCKET', 'JOBS_TABLE', 'EVENT_BUS_NAME'].sort(),
    );
    // The bucket names only because the shared function config requires them (no access to uploads).
    const webhook = [
      ...common,
      'UPLOADS_BUCKET',
      'OUTPUTS_BUCKET',
      'JOBS_TABLE',
      'WEBHOOK_DELIVERY_QUEUE_URL',
    ];
    expect(keys(ENTRIES.fanout)).toEqual([...webhook].sort());
    expect(keys(ENTRIES.dispatcher)).toEqual([...webhook, 'WEBHOOK_SECRETS_KEY_ID'].sort());
    expect(keys(ENTRIES.sweeper)).toEqual(
      [...common, 'UPLOADS_BUCKET', 'OUTPUTS_BUCKET', 'JOBS_TABLE', 'EVENT_BUS_NAME'].sort(),
    );

    const values = new Map<string, string>();
    for (const entry of Object.values(ENTRIES)) {
      for (const [name, value] of Object.entries(env(entry))) {
        const serialized = JSON.stringify(value);
        expect(values.get(name) ?? serialized, `${name} is the same everywhere`).toBe(serialized);
        values.set(name, serialized);
      }
    }
    const api = env(ENTRIES.api);
    expect(api).toMatchObject({
      UPLOADS_BUCKET: { Ref: 'UploadsBucket' },
      OUTPUTS_BUCKET: { Ref: 'OutputsBucket' },
      JOBS_TABLE: { Ref: 'JobsTable' },
      MAX_UPLOAD_BYTES: String(50 * 1024 * 1024),
      UPLOAD_URL_TTL_SECONDS: '900',
      MAX_ACTIVE_JOBS_PER_TENANT: String(stageConfig('dev').maxActiveJobsPerTenant),
      RATE_LIMITS: JSON.stringify(stageConfig('dev').rateLimits),
      QUEUE_URL_URGENT: { Ref: 'IngestUrgentQueue' },
      QUEUE_URL_HIGH: { Ref: 'IngestHighQueue' },
      QUEUE_URL_NORMAL: { Ref: 'IngestQueue' },
      QUEUE_URL_LOW: { Ref: 'IngestLowQueue' },
      EVENT_BUS_NAME: { Ref: 'JobEventsBus' },
      WEBHOOK_DELIVERY_QUEUE_URL: { Ref: 'WebhookDeliveryQueue' },
      WEBHOOK_SECRETS_KEY_ID: { 'Fn::GetAtt': ['WebhookSecretsKey', 'Arn'] },
      STAGE: 'dev',
      POWERTOOLS_SERVICE_NAME: 'media-pipeline',
      POWERTOOLS_METRICS_NAMESPACE: 'MediaPipeline',
    });
  });

  it('grants least privilege: the worker writes only outputs, the dead-letter function touches no bucket', () => {
    const { resources } = dev();
    const statementsOf = (entry: string) => {
      const [, fn] = functionByEntry(resources, entry);
      const roleId = getAttId(fn.Properties.Role);
      return ofType(resources, 'AWS::IAM::Policy')
        .filter(([, policy]) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    };
    const actions = (statement: Json): string[] => [statement.Action].flat();
    const s3Puts = (entry: string) =>
      statementsOf(entry).filter((statement) => actions(statement).includes('s3:PutObject'));

    const workerPuts = s3Puts(ENTRIES.worker);
    expect(workerPuts).toHaveLength(1);
    expect(JSON.stringify(workerPuts[0].Resource)).toContain('OutputsBucket');
    expect(JSON.stringify(workerPuts[0].Resource)).not.toContain('UploadsBucket');

    const deadLetter = statementsOf(ENTRIES.deadLetter);
    expect(deadLetter.flatMap(actions).filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(statementsOf(ENTRIES.api).flatMap(actions)).toContain('sqs:SendMessage');
    // GET /stats reads the ingest dead-letter queue's depth: that one action on that queue, nothing more.
    const onDeadLetterQueue = statementsOf(ENTRIES.api).filter((statement) =>
      JSON.stringify(statement.Resource).includes('IngestDeadLetterQueue'),
    );
    expect(onDeadLetterQueue.flatMap(actions)).toEqual(['sqs:GetQueueAttributes']);
    const [, api] = functionByEntry(resources, ENTRIES.api);
    expect(JSON.stringify(api.Properties.Environment.Variables.INGEST_DEAD_LETTER_QUEUE_URL)).toContain(
      'IngestDeadLetterQueue',
    );
  });

  it('ships sharp to the worker only, in an arm64/nodejs22.x layer pinned to the lockfile version', () => {
    const { resources } = dev();
    // The other layer is CDK's AWS CLI layer of the console site's deployment function.
    const layers = ofType(resources, 'AWS::Lambda::LayerVersion').filter(
      ([id]) => !id.includes('AwsCliLayer'),
    );
    expect(layers).toHaveLength(1);
    expect(layers[0]?.[1].Properties).toMatchObject({
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
    });
    expect(functionByEntry(resources, ENTRIES.worker)[1].Properties.Layers).toHaveLength(1);
    expect(functionByEntry(resources, ENTRIES.api)[1].Properties.Layers).toBeUndefined();

    const layerManifest = JSON.parse(readFileSync(fromRoot('layers/sharp/package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(fromRoot('package-lock.json'), 'utf8'));
    expect(layerManifest.dependencies.sharp).toBe(lock.packages['node_modules/sharp'].version);
  });

  it('outputs the API URL and the resource names', () => {
    const outputs = dev().template.toJSON().Outputs;
    expect(outputs.ApiUrl.Value).toEqual({ 'Fn::GetAtt': [expect.any(String), 'ApiEndpoint'] });
    expect(outputs.UploadsBucketName.Value).toEqual({ Ref: 'UploadsBucket' });
    expect(outputs.OutputsBucketName.Value).toEqual({ Ref: 'OutputsBucket' });
    expect(outputs.JobsTableName.Value).toEqual({ Ref: 'JobsTable' });
    expect(outputs.EventBusName.Value).toEqual({ Ref: 'JobEventsBus' });
  });
});

describe('per-stage settings', () => {
  it('destroys state on dev and retains it on prod', () => {
    const dev = synthesized.dev.resources;
    const prod = synthesized.prod.resources;
    for (const id of ['JobsTable', 'UploadsBucket', 'OutputsBucket', 'AccessLogsBucket']) {
      expect(dev[id]?.DeletionPolicy, `dev ${id}`).toBe('Delete');
      expect(prod[id]?.DeletionPolicy, `prod ${id}`).toBe('Retain');
      expect(prod[id]?.UpdateReplacePolicy, `prod ${id}`).toBe('Retain');
    }
    expect(dev.JobsTable?.Properties.DeletionProtectionEnabled).toBe(false);
    expect(prod.JobsTable?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(ofType(dev, 'Custom::S3AutoDeleteObjects').length).toBeGreaterThan(0);
    expect(ofType(prod, 'Custom::S3AutoDeleteObjects')).toHaveLength(0);
  });

  it('applies each stage’s sizes, concurrency, retention and alarms', () => {
    for (const stage of STAGES) {
      const config = stageConfig(stage);
      const { resources, template } = synthesized[stage];
      const [workerId, worker] = functionByEntry(resources, ENTRIES.worker);
      expect(worker.Properties.MemorySize).toBe(config.worker.memoryMb);
      // Admission by cost measures a job against the memory the function really has.
      expect(worker.Properties.Environment.Variables.WORKER_MEMORY_MB).toBe(
        String(worker.Properties.MemorySize),
      );
      expect(
        workerMappings(resources, workerId)
          .map((esm) => esm.Properties.ScalingConfig.MaximumConcurrency)
          .sort((a, b) => a - b),
      ).toEqual(Object.values(config.worker.maxConcurrency).sort((a, b) => a - b));
      const [, api] = functionByEntry(resources, ENTRIES.api);
      expect(api.Properties.ReservedConcurrentExecutions).toBe(config.api.reservedConcurrency);
      expect(api.Properties.Environment.Variables.STAGE).toBe(stage);
      for (const [, logGroup] of ofType(resources, 'AWS::Logs::LogGroup')) {
        expect(logGroup.Properties.RetentionInDays).toBe(config.logRetention);
      }
      // Dead letters, backlog age, API 5xx, the three webhook DLQs, failed batch executions and the batch
      // callback DLQ, and errors + throttles for each of the ten functions.
      template.resourceCountIs('AWS::CloudWatch::Alarm', config.alarms ? 3 + 3 + 2 + 1 + 2 * 10 : 0);
    }
    expect(synthesized.prod.stack.stackName).toBe('MediaPipeline-prod');
  });

  it('refuses an unknown stage', () => {
    expect(() => stageConfig('qa')).toThrow(/Unknown stage "qa".*dev, staging, prod/);
    expect(() => createApp({ stage: 'production', context: NO_BUNDLING })).toThrow(/Unknown stage/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each(STAGES)('has no unacknowledged finding on %s', (stage) => {
    const report = new AwsSolutionsChecks().validateScope(synthesized[stage].stack);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName}: ${violation.violatingResources
          .map((resource) => resource.constructPath)
          .join(', ')}`,
    );
    expect(findings).toEqual([]);
    // cdk-nag 3 reports through the validation plugin API, not annotations; CDK's own errors still are.
    expect(Annotations.fromStack(synthesized[stage].stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('passes as a validation plugin at synthesis, as `cdk synth` runs it (bin/app.ts)', () => {
    const { app } = createApp({ stage: 'prod', context: NO_BUNDLING });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('gives every acknowledgment a reason', () => {
    const { stack } = synthesized.prod;
    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(reason.length, id).toBeGreaterThan(20);
    }
  });
});
