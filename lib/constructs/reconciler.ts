import { type CfnResource, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvSettings } from '../../src/contract/env.js';
import type { Priority } from '../../src/core/job.js';
import type { StageConfig } from '../config.js';
import { acknowledgeBucketGrant } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';
import { TENANT_PREFIX } from './storage.js';
import { grantOutputs } from './video-support.js';

/** How often the reconciler runs (the local runtime runs the same rule, and once at start). */
export const RECONCILE_SCHEDULE = 'rate(1 minute)';

export interface ReconcilerProps {
  config: StageConfig;
  table: ITable;
  uploads: IBucket;
  outputs: IBucket;
  bus: IEventBus;
  queues: Record<Priority, IQueue>;
  /** Webhook deliveries left PENDING without a message are sent here again. */
  deliveryQueue: IQueue;
  environment: EnvSettings;
}

/**
 * The job table is the truth: every minute a function finds unfinished jobs that nothing drives any more
 * (a failed SQS send after the QUEUED write, a worker that died, a lost S3 event, an ended video execution
 * that did not end its job, an expired upload) and webhook deliveries left PENDING without a message through the `ReconcileDue` sparse index, and drives them
 * again with conditional writes (src/reconciler/reconciler.ts).
 */
export class Reconciler extends Construct {
  readonly fn: PipelineFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const { config } = props;
    this.fn = new PipelineFunction(this, 'Function', {
      entry: 'lambdas/reconciler/handler.ts',
      description: 'Every minute: re-drives accepted jobs that nothing drives any more (ReconcileDue index).',
      settings: config.reconciler,
      config,
      environment: props.environment,
    });
    const fn = this.fn.function;
    props.table.grantReadWriteData(fn);
    for (const queue of Object.values(props.queues)) queue.grantSendMessages(fn);
    props.deliveryQueue.grantSendMessages(fn);
    props.bus.grantPutEventsTo(fn);
    // HEAD of a job's upload (the S3 event may have been lost); a missing key must answer 404, not 403.
    props.uploads.grantRead(fn, 'uploads/*');
    acknowledgeBucketGrant(this.fn, props.uploads, 'read', 'uploads/*');
    // A job it ends FAILED leaves no partial outputs; completed events carry presigned output URLs.
    grantOutputs(fn, props.outputs, {});
    props.outputs.grantRead(fn, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.fn, props.outputs, 'read', `${TENANT_PREFIX}*`);

    this.schedule = new Rule(this, 'Schedule', {
      ruleName: `media-pipeline-${config.stage}-reconcile`,
      description: 'Runs the job reconciler every minute.',
      schedule: Schedule.expression(RECONCILE_SCHEDULE),
      // A pass that could not start within two minutes is superseded by the next ones.
      targets: [new LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });
    (this.schedule.node.defaultChild as CfnResource).overrideLogicalId('ReconcilerSchedule');
  }
}
