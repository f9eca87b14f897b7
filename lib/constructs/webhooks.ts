import { type CfnResource, Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../src/contract/events.js';
import { DEFAULT_RETRY_POLICY } from '../../src/webhooks/retry-policy.js';
import { type StageConfig, webhookDeliveryVisibilitySeconds } from '../config.js';
import { acknowledgeNag } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';

/** Receives before a webhook event message moves to its DLQ (the fan-out handles an event in one go). */
export const WEBHOOK_EVENTS_MAX_RECEIVE_COUNT = 5;

/**
 * Receives before a delivery message moves to its DLQ. The dispatcher retries a delivery on the same
 * message (it hides it until the next attempt is due), so every attempt is one receive: the count must
 * exceed the retry policy's attempts (30), with room for a few crashed invocations on top.
 */
export const WEBHOOK_DELIVERY_MAX_RECEIVE_COUNT = DEFAULT_RETRY_POLICY.maxAttempts + 10;

/**
 * Records per dispatcher invocation. The dispatcher handles them concurrently (each attempt has its own
 * 12 s deadline), so a batch fits in its 30 s timeout whatever the endpoints do.
 */
export const DISPATCHER_BATCH_SIZE = 5;

/**
 * How EventBridge retries putting an event on the webhook events queue before it goes to the rule
 * target's DLQ: as long as EventBridge allows (185 attempts, 24 h), since once published an event is
 * no longer in any outbox, and only the archive would still have it.
 */
export const RULE_TARGET_RETRY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

export interface WebhooksProps {
  config: StageConfig;
  bus: IEventBus;
  table: ITable;
  /** The bucket names only because the shared function config requires them. */
  environment: { uploadsBucket: string; outputsBucket: string; jobsTable: string };
}

/**
 * Signed webhook delivery:
 *   bus rule (every `media.*` event of source `media-pipeline`) → WebhookEventsQueue → webhook-fanout
 *   (one delivery record per subscribed endpoint, in the jobs table) → WebhookDeliveryQueue →
 *   webhook-dispatcher (signs with the endpoint's secret, makes the HTTP attempt, records it; a retry
 *   hides the same message until the attempt is due).
 * Each queue redrives to its own DLQ (events after 5 receives; deliveries after more receives than the
 * retry policy has attempts), and the rule's target has its own DLQ for events
 * EventBridge could not put on the queue. Endpoint secrets are encrypted with a customer key: the api
 * function encrypts and decrypts them, the dispatcher (and, while its endpoint reads decrypt, the
 * fan-out) only decrypts.
 */
export class Webhooks extends Construct {
  readonly secretsKey: Key;
  readonly rule: Rule;
  readonly ruleName: string;
  readonly eventsQueue: Queue;
  readonly eventsDeadLetterQueue: Queue;
  /** Events EventBridge could not deliver to the events queue (the rule target's DeadLetterConfig). */
  readonly targetDeadLetterQueue: Queue;
  readonly deliveryQueue: Queue;
  readonly deliveryDeadLetterQueue: Queue;
  readonly fanout: PipelineFunction;
  readonly dispatcher: PipelineFunction;
  private readonly busName: string;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { config, table } = props;
    this.busName = props.bus.eventBusName;

    this.secretsKey = new Key(this, 'SecretsKey', {
      description: `media-pipeline-${config.stage} webhook signing secrets`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });
    (this.secretsKey.node.defaultChild as CfnResource).overrideLogicalId('WebhookSecretsKey');

    const queue = (queueId: string, logicalId: string, queueProps: QueueProps) => {
      const created = new Queue(this, queueId, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        ...queueProps,
      });
      // Stable ids: the local runtime and the operations docs name them.
      (created.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
      return created;
    };
    const deadLetters = (queueId: string, logicalId: string) =>
      queue(queueId, logicalId, { retentionPeriod: Duration.days(14) });

    this.eventsDeadLetterQueue = deadLetters('EventsDeadLetterQueue', 'WebhookEventsDeadLetterQueue');
    this.eventsQueue = queue('EventsQueue', 'WebhookEventsQueue', {
      visibilityTimeout: Duration.seconds(6 * config.webhookFanout.timeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.eventsDeadLetterQueue,
        maxReceiveCount: WEBHOOK_EVENTS_MAX_RECEIVE_COUNT,
      },
    });
    this.targetDeadLetterQueue = deadLetters('TargetDeadLetterQueue', 'WebhookEventsTargetDeadLetterQueue');
    acknowledgeNag(this.targetDeadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue: the DeadLetterConfig of the webhook events rule target ' +
          '(cdk-nag only recognizes queues named in another queue’s redrive policy).',
      },
    ]);
    this.deliveryDeadLetterQueue = deadLetters('DeliveryDeadLetterQueue', 'WebhookDeliveryDeadLetterQueue');
    this.deliveryQueue = queue('DeliveryQueue', 'WebhookDeliveryQueue', {
      visibilityTimeout: Duration.seconds(webhookDeliveryVisibilitySeconds(config)),
      // Outlasts the retry policy's 24 h window: a delivery's message lives through all its attempts.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.deliveryDeadLetterQueue,
        maxReceiveCount: WEBHOOK_DELIVERY_MAX_RECEIVE_COUNT,
      },
    });

    // Named: rule metrics on a custom bus are dimensioned by bus and rule name, and the rule's Ref is
    // `bus|rule` there.
    this.ruleName = `media-pipeline-${config.stage}-webhook-events`;
    this.rule = new Rule(this, 'EventsRule', {
      ruleName: this.ruleName,
      eventBus: props.bus,
      description: 'Every media-pipeline job and batch event, to the webhook fan-out.',
      eventPattern: { source: [EVENT_SOURCE], detailType: Match.prefix('media.') },
      targets: [
        new SqsQueue(this.eventsQueue, { deadLetterQueue: this.targetDeadLetterQueue, ...RULE_TARGET_RETRY }),
      ],
    });
    (this.rule.node.defaultChild as CfnResource).overrideLogicalId('WebhookEventsRule');

    this.fanout = new PipelineFunction(this, 'Fanout', {
      entry: 'lambdas/webhook-fanout/handler.ts',
      description: 'Turns each job/batch event into one delivery per subscribed webhook endpoint.',
      settings: config.webhookFanout,
      config,
      environment: {
        ...props.environment,
        webhookDeliveryQueueUrl: this.deliveryQueue.queueUrl,
      },
    });
    const fanout = this.fanout.function;
    fanout.addEventSource(
      new SqsEventSource(this.eventsQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: config.webhookFanout.maxConcurrency,
      }),
    );
    table.grantReadWriteData(fanout);
    this.deliveryQueue.grantSendMessages(fanout);
    // No key access: the fan-out lists endpoints without decrypting their secrets.

    this.dispatcher = new PipelineFunction(this, 'Dispatcher', {
      entry: 'lambdas/webhook-dispatcher/handler.ts',
      description: 'Signs and sends webhook deliveries (SSRF-safe), records attempts, schedules retries.',
      settings: config.webhookDispatcher,
      config,
      environment: {
        ...props.environment,
        webhookDeliveryQueueUrl: this.deliveryQueue.queueUrl,
        webhookSecretsKeyId: this.secretsKey.keyArn,
      },
    });
    const dispatcher = this.dispatcher.function;
    dispatcher.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: DISPATCHER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: config.webhookDispatcher.maxConcurrency,
      }),
    );
    table.grantReadWriteData(dispatcher);
    // A retry hides its message until the attempt is due (ChangeMessageVisibility, part of the event
    // source's grant); sending lets it hand a delivery back as a new message.
    this.deliveryQueue.grantSendMessages(dispatcher);
    this.secretsKey.grantDecrypt(dispatcher);
  }

  /** An EventBridge metric of the rule (Sum per 5 minutes), e.g. `InvocationsFailedToBeSentToDlq`. */
  metricRule(metricName: string): Metric {
    return new Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: { EventBusName: this.busName, RuleName: this.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }

  /** Managing endpoints (the api function): encrypt new or rotated secrets, decrypt them to show once. */
  grantManageSecrets(grantee: IGrantable): void {
    this.secretsKey.grant(grantee, 'kms:Encrypt', 'kms:Decrypt');
  }

  /** Replaying a delivery sends it to the delivery queue again. */
  grantReplay(grantee: IGrantable): void {
    this.deliveryQueue.grantSendMessages(grantee);
  }
}
