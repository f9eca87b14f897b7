import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';
import type { Batches } from './batches.js';
import type { Webhooks } from './webhooks.js';

export interface MonitoringProps {
  config: StageConfig;
  /** The job queues, one per priority. */
  queues: IQueue[];
  deadLetterQueue: IQueue;
  functions: Record<string, IFunction>;
  httpApi: HttpApi;
  /** The webhook queues, their dead-letter queues and the bus rule feeding them. */
  webhooks: Pick<
    Webhooks,
    | 'eventsQueue'
    | 'eventsDeadLetterQueue'
    | 'targetDeadLetterQueue'
    | 'deliveryQueue'
    | 'deliveryDeadLetterQueue'
    | 'metricRule'
  >;
  removalPolicy: RemovalPolicy;
  /** The batch state machine and the DLQ of its job-ended callback target. */
  batches: Pick<Batches, 'stateMachine' | 'callbackDeadLetterQueue'>;
  /** The video state machine: a failed or timed-out execution is a job the Catch step could not end. */
  video: { stateMachine: IStateMachine };
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator watches: alarms on dead letters (ingest and the three webhook DLQs), backlog age,
 * API 5xx, function errors and throttles,
 * all sent to the stage's SNS topic (subscribe the team's email or pager to it), and one dashboard.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    const thresholds = config.alarmThresholds;
    const prefix = `media-pipeline-${config.stage}`;

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a customer key that
    // lets the cloudwatch service use it is required.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `${prefix} alarm topic encryption`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, periods = 1) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    alarm(
      'DeadLetters',
      'Ingest messages reached the DLQ: jobs failed after all retries.',
      // Received, not visible: the dead-letter function drains the queue within seconds, so the visible
      // count would rarely be seen above zero.
      props.deadLetterQueue.metricNumberOfMessagesReceived({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    alarm(
      'IngestBacklogAge',
      `The oldest job message of some priority is older than ${thresholds.ingestBacklogAgeSeconds} s: workers are not keeping up.`,
      new MathExpression({
        expression: `MAX([${props.queues.map((_, i) => `q${i}`).join(',')}])`,
        usingMetrics: Object.fromEntries(
          props.queues.map((queue, i) => [
            `q${i}`,
            queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
          ]),
        ),
        period: FIVE_MINUTES,
        label: 'Oldest job message (any priority)',
      }),
      thresholds.ingestBacklogAgeSeconds,
      3,
    );
    alarm(
      'Api5xx',
      'The HTTP API answers 5xx.',
      props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      thresholds.api5xxPer5Minutes,
    );
    // Nothing drains the webhook DLQs automatically (an operator redrives them after a fix), so their
    // depth is the signal.
    const { webhooks } = props;
    const depth = thresholds.webhookDeadLetterDepth;
    /** Executions that failed or timed out (and were aborted, where an abort is not a normal cancel). */
    const endedBadly = (machine: IStateMachine, count: { aborted: boolean }) => {
      const sum = { period: FIVE_MINUTES, statistic: 'Sum' };
      return new MathExpression({
        expression: count.aborted ? 'failed + timedOut + aborted' : 'failed + timedOut',
        usingMetrics: {
          failed: machine.metricFailed(sum),
          timedOut: machine.metricTimedOut(sum),
          ...(count.aborted ? { aborted: machine.metricAborted(sum) } : {}),
        },
        period: FIVE_MINUTES,
      });
    };
    const deadLetterDepth = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
    alarm(
      'WebhookEventsDeadLetters',
      'Events the webhook fan-out failed on 5 times are in WebhookEventsDeadLetterQueue: no deliveries were created for them.',
      deadLetterDepth(webhooks.eventsDeadLetterQueue),
      depth.events,
    );
    alarm(
      'WebhookTargetDeadLetters',
      'EventBridge could not put events on WebhookEventsQueue (the rule target’s DLQ has messages).',
      deadLetterDepth(webhooks.targetDeadLetterQueue),
      depth.ruleTarget,
    );
    alarm(
      'WebhookDeliveryDeadLetters',
      'A webhook delivery message was received more often than its retries allow: the dispatcher keeps failing on it (WebhookDeliveryDeadLetterQueue).',
      deadLetterDepth(webhooks.deliveryDeadLetterQueue),
      depth.delivery,
    );
    alarm(
      'BatchExecutionsFailed',
      'A batch execution failed, timed out or was aborted: its remaining jobs will not start (see its history).',
      endedBadly(props.batches.stateMachine, { aborted: true }),
      1,
    );
    alarm(
      'VideoExecutionsFailed',
      'A video execution failed or timed out: its transcode kept failing after the retries (the job is FAILED ' +
        'with TRANSCODE_FAILED unless the failure step failed too; see the execution history). Cancels abort ' +
        'executions and are not counted.',
      endedBadly(props.video.stateMachine, { aborted: false }),
      1,
    );
    alarm(
      'BatchCallbackDeadLetters',
      'Job-ended events the batch callback could not handle: their slots wait until the NextJob timeout.',
      deadLetterDepth(props.batches.callbackDeadLetterQueue),
      1,
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      const pascal = name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
      alarm(
        `${pascal}Errors`,
        `The ${name} function throws (unhandled errors, timeouts).`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        thresholds.functionErrorsPer5Minutes,
      );
      alarm(
        `${pascal}Throttles`,
        `The ${name} function is throttled (concurrency limits reached).`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
      );
    }

    const fns = Object.entries(props.functions);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: prefix });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Job queues (per priority) and DLQ',
        left: [
          ...props.queues.map((queue) => queue.metricApproximateNumberOfMessagesVisible()),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        right: props.queues.map((queue) => queue.metricApproximateAgeOfOldestMessage()),
      }),
      new GraphWidget({
        title: 'HTTP API',
        left: [
          props.httpApi.metricCount(),
          props.httpApi.metricClientError(),
          props.httpApi.metricServerError(),
        ],
        right: [props.httpApi.metricLatency({ statistic: 'p95' })],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhook queues and DLQs',
        left: [
          webhooks.eventsQueue.metricApproximateNumberOfMessagesVisible({ label: 'events' }),
          webhooks.deliveryQueue.metricApproximateNumberOfMessagesVisible({ label: 'deliveries' }),
          webhooks.deliveryQueue.metricApproximateNumberOfMessagesDelayed({ label: 'retries (delayed)' }),
          webhooks.deliveryQueue.metricApproximateNumberOfMessagesNotVisible({ label: 'in flight' }),
          webhooks.eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'events DLQ' }),
          webhooks.targetDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: 'rule target DLQ',
          }),
          webhooks.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: 'deliveries DLQ',
          }),
        ],
        right: [webhooks.deliveryQueue.metricApproximateAgeOfOldestMessage({ label: 'oldest delivery' })],
      }),
      new GraphWidget({
        title: 'Job events to webhooks (bus rule)',
        left: [
          'Invocations',
          'FailedInvocations',
          'InvocationsSentToDlq',
          'InvocationsFailedToBeSentToDlq',
        ].map((metricName) => webhooks.metricRule(metricName)),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors and throttles',
        left: fns.map(([, fn]) => fn.metricErrors()),
        right: fns.map(([, fn]) => fn.metricThrottles()),
      }),
      new GraphWidget({
        title: 'Function duration p95',
        left: fns.map(([, fn]) => fn.metricDuration({ statistic: 'p95' })),
      }),
    );
  }
}
