import { type CfnResource, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type Archive, EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../src/contract/events.js';
import type { StageConfig } from '../config.js';
import { acknowledgeBucketGrant } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';
import { TENANT_PREFIX } from './storage.js';

/** How often the outbox sweeper looks for job events whose publishing failed. */
export const OUTBOX_SWEEP_SCHEDULE = 'rate(1 minute)';

export interface JobEventsProps {
  config: StageConfig;
  table: ITable;
  /** `media.job.completed` events carry presigned GET URLs of the outputs, signed by the publisher. */
  outputs: IBucket;
  environment: { uploadsBucket: string; outputsBucket: string; jobsTable: string };
}

/**
 * Job and batch events (`media.job.*`, `media.batch.*`, source `media-pipeline`) on a custom bus,
 * `media-pipeline-{stage}`, with an archive of everything the pipeline publishes so events can be
 * replayed (EventBridge StartReplay) within the stage's retention.
 *
 * Publishing goes through an outbox on the job item: a state change records its pending event and sets
 * the sparse `outboxAt` attribute, then publishes and clears it. If the publish fails (or the function
 * dies in between), the outbox sweeper finds the job through the `OutboxPending` index within a minute
 * and publishes again; consumers dedupe on the event id.
 */
export class JobEvents extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly sweeper: PipelineFunction;
  readonly sweepSchedule: Rule;

  constructor(scope: Construct, id: string, props: JobEventsProps) {
    super(scope, id);
    const { config } = props;

    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `media-pipeline-${config.stage}`,
      description: `media-pipeline job and batch events (${config.stage})`,
    });
    // Retained with the archive on prod: an archive replays only into its own bus.
    this.bus.applyRemovalPolicy(config.removalPolicy);
    (this.bus.node.defaultChild as CfnResource).overrideLogicalId('JobEventsBus');

    this.archive = this.bus.archive('Archive', {
      description: `Every media-pipeline event (${config.stage}), for replay`,
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(config.eventArchiveRetentionDays),
    });
    this.archive.applyRemovalPolicy(config.removalPolicy);
    (this.archive.node.defaultChild as CfnResource).overrideLogicalId('JobEventsArchive');

    this.sweeper = new PipelineFunction(this, 'OutboxSweeper', {
      entry: 'lambdas/outbox-sweeper/handler.ts',
      description: 'Every minute: republishes job events left unpublished (OutboxPending index).',
      settings: config.outboxSweeper,
      config,
      // The uploads bucket only because the shared function config requires it; no access is granted.
      environment: {
        uploadsBucket: props.environment.uploadsBucket,
        outputsBucket: props.environment.outputsBucket,
        jobsTable: props.environment.jobsTable,
        eventBusName: this.bus.eventBusName,
      },
    });
    const sweeper = this.sweeper.function;
    props.table.grantReadWriteData(sweeper);
    this.grantPublish(sweeper);
    // A presigned URL works only if its signer may GET the object.
    props.outputs.grantRead(sweeper, `${TENANT_PREFIX}*`);
    acknowledgeBucketGrant(this.sweeper, props.outputs, 'read', `${TENANT_PREFIX}*`);

    // On the default bus: schedules are not events of ours, and the custom bus's archive stays clean.
    this.sweepSchedule = new Rule(this, 'SweepSchedule', {
      ruleName: `media-pipeline-${config.stage}-outbox-sweep`,
      description: 'Runs the outbox sweeper every minute.',
      schedule: Schedule.expression(OUTBOX_SWEEP_SCHEDULE),
      targets: [
        // A sweep that could not start within two minutes is superseded by the next ones.
        new LambdaFunction(sweeper, { retryAttempts: 2, maxEventAge: Duration.minutes(2) }),
      ],
    });
    (this.sweepSchedule.node.defaultChild as CfnResource).overrideLogicalId('OutboxSweeperSchedule');
  }

  /** events:PutEvents on this bus only, for every function that changes job state. */
  grantPublish(grantee: IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
