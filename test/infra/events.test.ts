import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageName, stageConfig } from '../../lib/config.js';
import { OUTBOX_SWEEP_SCHEDULE } from '../../lib/constructs/events.js';
import {
  DISPATCHER_BATCH_SIZE,
  WEBHOOK_DELIVERY_MAX_RECEIVE_COUNT,
  WEBHOOK_EVENTS_MAX_RECEIVE_COUNT,
} from '../../lib/constructs/webhooks.js';
import { OUTBOX_PENDING_INDEX } from '../../src/adapters/aws/jobs-table-layout.js';
import { DEFAULT_RETRY_POLICY } from '../../src/webhooks/retry-policy.js';
import { DEFAULT_TIMEOUT_MS } from '../../src/webhooks/sender.js';
import {
  type CfnResource,
  ENTRIES,
  functionByEntry,
  type Json,
  ofType,
  type Resources,
  synthesizeStages,
} from '../support/infra-template.js';

let templates: Record<StageName, Resources>;

beforeAll(() => {
  templates = synthesizeStages();
});

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

function mappingOf(resources: Resources, entry: string): CfnResource {
  const [functionId] = functionByEntry(resources, entry);
  const found = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter(
    ([, esm]) => esm.Properties.FunctionName?.Ref === functionId,
  );
  expect(found, `one event source mapping for ${entry}`).toHaveLength(1);
  return (found[0] as [string, CfnResource])[1];
}

const actionsOf = (statement: Json): string[] => [statement.Action].flat();

/** Every IAM statement of the function's role (its inline policies). */
function statementsOf(resources: Resources, entry: string): Json[] {
  const [, fn] = functionByEntry(resources, entry);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
}

/** The resources the function may call `action` on (statements naming it), serialized. */
const resourcesFor = (resources: Resources, entry: string, action: string) =>
  statementsOf(resources, entry)
    .filter((statement) => actionsOf(statement).includes(action))
    .flatMap((statement) => [statement.Resource].flat());

const kmsActions = (resources: Resources, entry: string) =>
  statementsOf(resources, entry)
    .flatMap(actionsOf)
    .filter((action) => action.startsWith('kms:'))
    .sort();

describe('job events bus', () => {
  it('is a custom bus per stage with an archive of every media-pipeline event', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      expect(ofType(resources, 'AWS::Events::EventBus').map(([id]) => id)).toEqual(['JobEventsBus']);
      expect(resources.JobEventsBus?.Properties.Name).toBe(`media-pipeline-${stage}`);
      expect(ofType(resources, 'AWS::Events::Archive').map(([id]) => id)).toEqual(['JobEventsArchive']);
      expect(resources.JobEventsArchive?.Properties).toMatchObject({
        SourceArn: arnOf('JobEventsBus'),
        EventPattern: { source: ['media-pipeline'] },
        RetentionDays: stageConfig(stage).eventArchiveRetentionDays,
      });
    }
  });

  it('routes exactly the media.* events of source media-pipeline to the webhook events queue', () => {
    const rule = templates.dev.WebhookEventsRule as CfnResource;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventBusName).toEqual({ Ref: 'JobEventsBus' });
    expect(rule.Properties.EventPattern).toEqual({
      source: ['media-pipeline'],
      'detail-type': [{ prefix: 'media.' }],
    });
    // One target: the queue, with its own DLQ for events EventBridge could not put there, and retries.
    expect(rule.Properties.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: arnOf('WebhookEventsQueue'),
        DeadLetterConfig: { Arn: arnOf('WebhookEventsTargetDeadLetterQueue') },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 24 * 3600 },
      },
    ]);
  });

  it('lets only that rule send to the webhook events queue and to the target DLQ', () => {
    const policies = ofType(templates.dev, 'AWS::SQS::QueuePolicy').map(([, policy]) => policy.Properties);
    for (const queueId of ['WebhookEventsQueue', 'WebhookEventsTargetDeadLetterQueue']) {
      const policy: Json = policies.find((p) => p.Queues.some((q: Json) => q.Ref === queueId));
      expect(policy, queueId).toBeDefined();
      const allows = (policy.PolicyDocument.Statement as Json[]).filter((s) => s.Effect === 'Allow');
      expect(allows, queueId).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf('WebhookEventsRule') } },
        Resource: arnOf(queueId),
      });
      expect(actionsOf(allows[0])).toContain('sqs:SendMessage');
    }
  });

  it('redrives both webhook queues to their own 14-day DLQ', () => {
    const resources = templates.dev;
    for (const [queueId, dlqId, maxReceiveCount] of [
      ['WebhookEventsQueue', 'WebhookEventsDeadLetterQueue', WEBHOOK_EVENTS_MAX_RECEIVE_COUNT],
      ['WebhookDeliveryQueue', 'WebhookDeliveryDeadLetterQueue', WEBHOOK_DELIVERY_MAX_RECEIVE_COUNT],
    ] as const) {
      expect(resources[queueId]?.Properties.RedrivePolicy, queueId).toEqual({
        deadLetterTargetArn: arnOf(dlqId),
        maxReceiveCount,
      });
      expect(resources[dlqId]?.Properties.MessageRetentionPeriod, dlqId).toBe(14 * 24 * 3600);
    }
    expect(WEBHOOK_EVENTS_MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(5);
    // Every retry of a delivery is one more receive of the same message: all of them fit before the DLQ,
    // and the message outlives the retry window.
    expect(WEBHOOK_DELIVERY_MAX_RECEIVE_COUNT).toBeGreaterThan(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(resources.WebhookDeliveryQueue?.Properties.MessageRetentionPeriod).toBeGreaterThan(
      DEFAULT_RETRY_POLICY.windowSeconds + DEFAULT_RETRY_POLICY.maxDelaySeconds,
    );
    expect(resources.WebhookEventsTargetDeadLetterQueue?.Properties.MessageRetentionPeriod).toBe(
      14 * 24 * 3600,
    );
  });

  it('sweeps the outbox every minute from the default bus', () => {
    const resources = templates.dev;
    const schedule = resources.OutboxSweeperSchedule as CfnResource;
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(OUTBOX_SWEEP_SCHEDULE).toBe('rate(1 minute)');
    expect(schedule.Properties.EventBusName).toBeUndefined();
    expect(schedule.Properties.EventPattern).toBeUndefined();
    const [sweeperId] = functionByEntry(resources, ENTRIES.sweeper);
    expect(schedule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: arnOf(sweeperId), RetryPolicy: expect.any(Object) }),
    ]);
    const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(arnOf(sweeperId)),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf('OutboxSweeperSchedule'),
      }),
    ]);
  });

  it('indexes jobs with unpublished events in a sparse keys-only GSI', () => {
    const table = templates.dev.JobsTable as CfnResource;
    expect(OUTBOX_PENDING_INDEX).toEqual({ indexName: 'OutboxPending', partitionKey: 'outboxAt' });
    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'OutboxPending',
      KeySchema: [{ AttributeName: 'outboxAt', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    expect(table.Properties.AttributeDefinitions).toContainEqual({
      AttributeName: 'outboxAt',
      AttributeType: 'S',
    });
  });
});

describe('webhook functions', () => {
  it('fans out from the events queue and dispatches from the delivery queue, reporting item failures', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const config = stageConfig(stage);
      expect(mappingOf(resources, ENTRIES.fanout).Properties, stage).toMatchObject({
        EventSourceArn: arnOf('WebhookEventsQueue'),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: config.webhookFanout.maxConcurrency },
      });
      expect(mappingOf(resources, ENTRIES.dispatcher).Properties, stage).toMatchObject({
        EventSourceArn: arnOf('WebhookDeliveryQueue'),
        BatchSize: DISPATCHER_BATCH_SIZE,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: config.webhookDispatcher.maxConcurrency },
      });
    }
  });

  it('sizes the functions per stage; queue visibility timeouts are 6x their consumer’s timeout', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const config = stageConfig(stage);
      for (const [entry, settings] of [
        [ENTRIES.fanout, config.webhookFanout],
        [ENTRIES.dispatcher, config.webhookDispatcher],
        [ENTRIES.sweeper, config.outboxSweeper],
      ] as const) {
        const [, fn] = functionByEntry(resources, entry);
        expect(fn.Properties.MemorySize, `${stage} ${entry}`).toBe(settings.memoryMb);
        expect(fn.Properties.Timeout, `${stage} ${entry}`).toBe(settings.timeoutSeconds);
        expect(fn.Properties.ReservedConcurrentExecutions, `${stage} ${entry}`).toBe(
          settings.reservedConcurrency,
        );
      }
      const timeout = (entry: string) => functionByEntry(resources, entry)[1].Properties.Timeout as number;
      expect(resources.WebhookEventsQueue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * timeout(ENTRIES.fanout),
      );
      expect(resources.WebhookDeliveryQueue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * timeout(ENTRIES.dispatcher),
      );
      // An attempt has a 12 s deadline; the dispatcher handles its batch concurrently and needs room for
      // the table writes around the attempt.
      expect(timeout(ENTRIES.dispatcher)).toBe(30);
      expect(timeout(ENTRIES.dispatcher)).toBeGreaterThanOrEqual((2 * DEFAULT_TIMEOUT_MS) / 1000);
      // A sweep ends before the next one is scheduled.
      expect(timeout(ENTRIES.sweeper)).toBeLessThan(60);
    }
  });

  it('gives the functions their bus, queue and key by reference', () => {
    const resources = templates.dev;
    const env = (entry: string) => functionByEntry(resources, entry)[1].Properties.Environment.Variables;
    for (const entry of [ENTRIES.api, ENTRIES.worker, ENTRIES.deadLetter, ENTRIES.sweeper]) {
      expect(env(entry).EVENT_BUS_NAME, entry).toEqual({ Ref: 'JobEventsBus' });
    }
    for (const entry of [ENTRIES.api, ENTRIES.fanout, ENTRIES.dispatcher]) {
      expect(env(entry).WEBHOOK_DELIVERY_QUEUE_URL, entry).toEqual({ Ref: 'WebhookDeliveryQueue' });
    }
    for (const entry of [ENTRIES.api, ENTRIES.dispatcher]) {
      expect(env(entry).WEBHOOK_SECRETS_KEY_ID, entry).toEqual(arnOf('WebhookSecretsKey'));
    }
    expect(env(ENTRIES.fanout).WEBHOOK_SECRETS_KEY_ID).toBeUndefined();
    for (const entry of Object.values(ENTRIES)) expect(env(entry).STAGE, entry).toBe('dev');
  });
});

describe('webhook secrets key and least privilege', () => {
  it('rotates the key; prod retains the key, the bus and the archive, dev deletes them', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      expect(resources.WebhookSecretsKey?.Type).toBe('AWS::KMS::Key');
      expect(resources.WebhookSecretsKey?.Properties.EnableKeyRotation, stage).toBe(true);
    }
    for (const id of ['WebhookSecretsKey', 'JobEventsBus', 'JobEventsArchive']) {
      expect(templates.dev[id]?.DeletionPolicy, `dev ${id}`).toBe('Delete');
      expect(templates.prod[id]?.DeletionPolicy, `prod ${id}`).toBe('Retain');
      expect(templates.prod[id]?.UpdateReplacePolicy, `prod ${id}`).toBe('Retain');
    }
  });

  it('lets the api encrypt and decrypt secrets, the dispatcher only decrypt, nobody else touch the key', () => {
    const resources = templates.dev;
    expect(kmsActions(resources, ENTRIES.api)).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    expect(kmsActions(resources, ENTRIES.dispatcher)).toEqual(['kms:Decrypt']);
    // The fan-out lists endpoints without their secrets.
    for (const entry of [ENTRIES.fanout, ENTRIES.sweeper, ENTRIES.worker, ENTRIES.deadLetter]) {
      expect(kmsActions(resources, entry), entry).toEqual([]);
    }
    for (const entry of [ENTRIES.api, ENTRIES.dispatcher]) {
      expect(resourcesFor(resources, entry, 'kms:Decrypt'), entry).toEqual([arnOf('WebhookSecretsKey')]);
    }
  });

  it('lets every function that changes job state publish to the bus, and only to it', () => {
    const resources = templates.dev;
    for (const entry of [ENTRIES.api, ENTRIES.worker, ENTRIES.deadLetter, ENTRIES.sweeper]) {
      expect(resourcesFor(resources, entry, 'events:PutEvents'), entry).toEqual([arnOf('JobEventsBus')]);
    }
    for (const entry of [ENTRIES.fanout, ENTRIES.dispatcher]) {
      expect(resourcesFor(resources, entry, 'events:PutEvents'), entry).toEqual([]);
    }
  });

  it('lets the api (replay), the fan-out and the dispatcher (retries) send to the delivery queue', () => {
    const resources = templates.dev;
    expect(resourcesFor(resources, ENTRIES.api, 'sqs:SendMessage')).toContainEqual(
      arnOf('WebhookDeliveryQueue'),
    );
    for (const entry of [ENTRIES.fanout, ENTRIES.dispatcher]) {
      expect(resourcesFor(resources, entry, 'sqs:SendMessage'), entry).toEqual([
        arnOf('WebhookDeliveryQueue'),
      ]);
    }
    expect(resourcesFor(resources, ENTRIES.sweeper, 'sqs:SendMessage')).toEqual([]);
  });

  it('lets the publishers of completed events (worker, sweeper) read outputs, for the URLs they presign', () => {
    const resources = templates.dev;
    for (const entry of [ENTRIES.worker, ENTRIES.sweeper]) {
      expect(JSON.stringify(resourcesFor(resources, entry, 's3:GetObject*')), entry).toContain(
        'OutputsBucket',
      );
    }
    for (const entry of [ENTRIES.sweeper, ENTRIES.fanout, ENTRIES.dispatcher]) {
      expect(JSON.stringify(resourcesFor(resources, entry, 's3:GetObject*')), entry).not.toContain(
        'UploadsBucket',
      );
      expect(resourcesFor(resources, entry, 's3:PutObject'), entry).toEqual([]);
    }
    for (const entry of [ENTRIES.fanout, ENTRIES.dispatcher]) {
      expect(resourcesFor(resources, entry, 's3:GetObject*'), entry).toEqual([]);
    }
  });

  it('grants no new wildcard: `*` resources only for X-Ray', () => {
    for (const entry of Object.values(ENTRIES)) {
      for (const statement of statementsOf(templates.prod, entry)) {
        if ([statement.Resource].flat().includes('*')) {
          expect(actionsOf(statement).sort(), entry).toEqual([
            'xray:PutTelemetryRecords',
            'xray:PutTraceSegments',
          ]);
        }
        for (const action of actionsOf(statement)) expect(action, entry).not.toMatch(/^(kms|events|sqs):\*$/);
      }
    }
  });
});

describe('webhook alarms', () => {
  it('alarms on the depth of each webhook DLQ with the stage’s thresholds (prod), none on dev', () => {
    const thresholds = stageConfig('prod').alarmThresholds.webhookDeadLetterDepth;
    const [[topicId]] = ofType(templates.prod, 'AWS::SNS::Topic') as [[string, CfnResource]];
    const byName = Object.fromEntries(
      ofType(templates.prod, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]),
    );
    for (const [name, queueId, threshold] of [
      ['webhook-events-dead-letters', 'WebhookEventsDeadLetterQueue', thresholds.events],
      ['webhook-target-dead-letters', 'WebhookEventsTargetDeadLetterQueue', thresholds.ruleTarget],
      ['webhook-delivery-dead-letters', 'WebhookDeliveryDeadLetterQueue', thresholds.delivery],
    ] as const) {
      const alarm = byName[`media-pipeline-prod-${name}`];
      expect(alarm, name).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
      });
      expect(alarm.Dimensions).toEqual([
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } },
      ]);
    }
    expect(ofType(templates.dev, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
  });
});
