import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.js';
import { type StageName, stageConfig } from '../../lib/config.js';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

// biome-ignore lint/suspicious/noExplicitAny: template JSON
type Json = any;
type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;

const templates = {} as Record<StageName, Resources>;

beforeAll(() => {
  for (const stage of ['dev', 'prod'] as const) {
    const { stack } = createApp({ stage, context: NO_BUNDLING });
    templates[stage] = Template.fromStack(stack).toJSON().Resources as Resources;
  }
});

const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

describe('monitoring (prod)', () => {
  it('sends every alarm to the stage topic, encrypted with a rotated key CloudWatch may use', () => {
    const prod = templates.prod;
    const [[topicId, topic]] = ofType(prod, 'AWS::SNS::Topic') as [[string, Json]];
    expect(topic.Properties.TopicName).toBe('media-pipeline-prod-alarms');
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = prod[keyId];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    const statements = key?.Properties.KeyPolicy.Statement as Json[];
    expect(
      statements.some(
        (s) =>
          s.Principal?.Service === 'cloudwatch.amazonaws.com' &&
          s.Action.includes('kms:Decrypt') &&
          s.Action.includes('kms:GenerateDataKey*'),
      ),
    ).toBe(true);
    const [[, topicPolicy]] = ofType(prod, 'AWS::SNS::TopicPolicy') as [[string, Json]];
    expect(topicPolicy.Properties.PolicyDocument.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });

    const alarms = ofType(prod, 'AWS::CloudWatch::Alarm');
    // Ingest dead letters, backlog age, API 5xx, three webhook DLQs, failed batch executions, the batch
    // callback DLQ, failed video executions, errors + throttles of ten functions.
    expect(alarms).toHaveLength(29);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
    }
  });

  it('uses the stage’s thresholds and watches throttles of every function', () => {
    const thresholds = stageConfig('prod').alarmThresholds;
    const byName = Object.fromEntries(
      ofType(templates.prod, 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]),
    );
    const backlog = byName['media-pipeline-prod-ingest-backlog-age'];
    expect(backlog).toMatchObject({ Threshold: thresholds.ingestBacklogAgeSeconds, EvaluationPeriods: 3 });
    // The oldest message of any priority queue: MAX over the four queues' ages.
    const metrics = backlog.Metrics as Json[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('MAX([q0,q1,q2,q3])');
    const queues = metrics
      .filter((m) => m.MetricStat)
      .map((m) => {
        expect(m.MetricStat.Metric.MetricName).toBe('ApproximateAgeOfOldestMessage');
        return m.MetricStat.Metric.Dimensions[0].Value['Fn::GetAtt'][0];
      });
    expect(queues.sort()).toEqual(['IngestHighQueue', 'IngestLowQueue', 'IngestQueue', 'IngestUrgentQueue']);
    expect(byName['media-pipeline-prod-api5xx']).toMatchObject({ Threshold: thresholds.api5xxPer5Minutes });
    // The DLQ is drained by the dead-letter function within seconds: count what it received.
    expect(byName['media-pipeline-prod-dead-letters']).toMatchObject({
      MetricName: 'NumberOfMessagesReceived',
      Statistic: 'Sum',
      Threshold: 1,
    });
    // Failed or timed-out video executions; aborted ones are cancels.
    const video = byName['media-pipeline-prod-video-executions-failed'];
    expect((video.Metrics as Json[]).find((m) => m.Expression)?.Expression).toBe('failed + timedOut');
    expect(video).toMatchObject({ Threshold: 1 });
    for (const fn of [
      'api',
      'image-worker',
      'dead-letter',
      'webhook-fanout',
      'webhook-dispatcher',
      'outbox-sweeper',
      'video-tasks',
      'reconciler',
    ]) {
      expect(byName[`media-pipeline-prod-${fn}-errors`]).toMatchObject({
        MetricName: 'Errors',
        Threshold: thresholds.functionErrorsPer5Minutes,
      });
      expect(byName[`media-pipeline-prod-${fn}-throttles`]).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 1,
      });
    }
  });

  it('has one dashboard per stage with alarms on, none on dev', () => {
    const [[, dashboard]] = ofType(templates.prod, 'AWS::CloudWatch::Dashboard') as [[string, Json]];
    expect(dashboard.Properties.DashboardName).toBe('media-pipeline-prod');
    expect(ofType(templates.dev, 'AWS::CloudWatch::Dashboard')).toHaveLength(0);
    expect(ofType(templates.dev, 'AWS::SNS::Topic')).toHaveLength(0);
  });
});

describe('data retention per stage', () => {
  it('versions the prod buckets and expires noncurrent versions; dev buckets are unversioned', () => {
    const days = stageConfig('prod').noncurrentVersionDays;
    for (const id of ['UploadsBucket', 'OutputsBucket', 'AccessLogsBucket']) {
      const prod = templates.prod[id]?.Properties;
      expect(prod?.VersioningConfiguration, id).toEqual({ Status: 'Enabled' });
      expect(prod?.LifecycleConfiguration.Rules, id).toContainEqual(
        expect.objectContaining({
          Id: 'expire-noncurrent-versions',
          NoncurrentVersionExpiration: { NoncurrentDays: days },
          ExpiredObjectDeleteMarker: true,
        }),
      );
      expect(templates.dev[id]?.Properties.VersioningConfiguration, id).toBeUndefined();
    }
  });

  it('keeps point-in-time recovery on the jobs table', () => {
    for (const stage of ['dev', 'prod'] as const) {
      expect(templates[stage].JobsTable?.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
  });
});
