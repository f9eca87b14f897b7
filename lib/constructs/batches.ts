import { ArnFormat, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DistributedMap,
  IntegrationPattern,
  JitterType,
  JsonPath,
  Pass,
  type StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct, type IConstruct } from 'constructs';
import type { EnvSettings } from '../../src/contract/env.js';
import { EVENT_SOURCE, type JobEventType } from '../../src/contract/events.js';
import type { Priority } from '../../src/core/job.js';
import type { StageConfig } from '../config.js';
import { acknowledgeNag } from '../nag.js';
import { PipelineFunction } from './pipeline-function.js';
import { standardStateMachine } from './state-machine.js';
import { RULE_TARGET_RETRY } from './webhooks.js';

/** Jobs one slot runs before it ends and the next round starts fresh slots (keeps histories short). */
export const JOBS_PER_SLOT_ROUND = 200;
/** Where batch reports are written in the outputs bucket. */
export const REPORTS_PREFIX = 'reports/';

export interface BatchesProps {
  config: StageConfig;
  table: ITable;
  outputs: IBucket;
  bus: IEventBus;
  queues: Record<Priority, IQueue>;
  environment: EnvSettings;
}

/**
 * Batches on Step Functions: one Standard execution per batch (named after it). `StartBatch` marks it
 * RUNNING and returns one item per slot; a Distributed Map runs the slots with MaxConcurrency = the
 * batch's `maxConcurrency` (MaxConcurrencyPath), each slot a loop of `NextJob` (lambda:invoke
 * .waitForTaskToken: starts a job and hands it the token; the job's terminal event, through the
 * callback function, returns it); `FinishBatch` loops back while jobs are pending, then writes the
 * report and ends the batch. `startAt` is an EventBridge Scheduler one-time schedule (role below).
 * Locally the Distributed Map runs as an inline Map (same definition; no child executions).
 */
export class Batches extends Construct {
  readonly stateMachine: StateMachine;
  readonly tasks: PipelineFunction;
  readonly callback: PipelineFunction;
  readonly callbackDeadLetterQueue: Queue;
  readonly schedulerRole: Role;
  readonly logGroup: LogGroup;
  private readonly outputs: IBucket;

  constructor(scope: Construct, id: string, props: BatchesProps) {
    super(scope, id);
    const { config } = props;
    this.outputs = props.outputs;
    const stateMachineName = `media-pipeline-${config.stage}-batches`;

    this.tasks = new PipelineFunction(this, 'Tasks', {
      entry: 'lambdas/batch-tasks/handler.ts',
      description: 'Batch state machine tasks: start, next job of a slot, finish (report).',
      settings: config.batches.tasks,
      config,
      environment: props.environment,
    });
    this.callback = new PipelineFunction(this, 'Callback', {
      entry: 'lambdas/batch-callback/handler.ts',
      description: 'A batch job ended: returns its slot task token; refreshes a finished batch report.',
      settings: config.batches.callback,
      config,
      environment: props.environment,
    });
    for (const fn of [this.tasks.function, this.callback.function]) {
      props.table.grantReadWriteData(fn);
      props.outputs.grantWrite(fn, `${REPORTS_PREFIX}*`);
      this.grantTaskResponse(fn, stateMachineName);
    }
    for (const queue of Object.values(props.queues)) queue.grantSendMessages(this.tasks.function);
    props.bus.grantPutEventsTo(this.tasks.function);
    props.bus.grantPutEventsTo(this.callback.function);

    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = standardStateMachine(this, {
      config,
      name: stateMachineName,
      definition: this.definition(config),
      timeout: Duration.days(config.batches.maxBatchDays),
      logExecutionData: config.batches.logExecutionData,
    }));
    (this.stateMachine.node.defaultChild as CfnResource).overrideLogicalId('BatchStateMachine');

    // The callback: terminal events of batch jobs only.
    this.callbackDeadLetterQueue = new Queue(this, 'CallbackDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    (this.callbackDeadLetterQueue.node.defaultChild as CfnResource).overrideLogicalId(
      'BatchCallbackDeadLetterQueue',
    );
    const rule = new Rule(this, 'JobEndedRule', {
      ruleName: `media-pipeline-${config.stage}-batch-job-ended`,
      eventBus: props.bus,
      description: 'Terminal events of batch jobs, to the batch callback (frees the job slot).',
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [
          'media.job.completed',
          'media.job.failed',
          'media.job.cancelled',
        ] satisfies JobEventType[],
        detail: { job: { batchId: Match.exists() } },
      },
      targets: [
        new LambdaFunction(this.callback.function, {
          deadLetterQueue: this.callbackDeadLetterQueue,
          ...RULE_TARGET_RETRY,
        }),
      ],
    });
    (rule.node.defaultChild as CfnResource).overrideLogicalId('BatchJobEndedRule');

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler starts scheduled batches (startAt).',
    });
    this.stateMachine.grantStartExecution(this.schedulerRole);

    acknowledgeNag(this, [
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${stateMachineName}*]`,
        reason:
          'Task tokens of the batch slots belong to the Distributed Map child executions, whose ARNs extend ' +
          'the state machine name (stateMachine:<name>/<map run>); the statement is limited to that name.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.outputsLogicalId(props.outputs)}.Arn>/${REPORTS_PREFIX}*]`,
        reason: 'Batch reports are written per tenant and batch under reports/ only.',
      },
      { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'CDK grantWrite includes multipart abort.' },
      { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: 'CDK grantWrite: overwriting a report.' },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.tasks.function.node.defaultChild as CfnResource)}.Arn>:*]`,
        reason: 'lambda:InvokeFunction on the tasks function’s versions/aliases, as CDK grants it.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'State machine role: X-Ray (PutTraceSegments, GetSamplingRules...) and CloudWatch Logs vended delivery ' +
          '(logs:CreateLogDelivery etc.) support no resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"BatchStateMachine"}]}]}:*]',
        reason:
          'Distributed Map: the parent describes/stops its own executions (CDK-generated, this machine only).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"BatchStateMachine"}]}]}/*:*]',
        reason: 'Distributed Map child executions (map runs) of this machine only (CDK-generated).',
      },
    ]);
    acknowledgeNag(this.callbackDeadLetterQueue, [
      { id: 'AwsSolutions-SQS3', reason: 'It is the dead-letter queue of the batch callback rule target.' },
    ]);
  }

  /** The API starts executions and creates/deletes the one-time schedules (passing the scheduler role). */
  grantSubmit(grantee: IGrantable & IConstruct): void {
    this.stateMachine.grantStartExecution(grantee);
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [
          stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: 'default/batch-*' }),
        ],
      }),
    );
    this.schedulerRole.grantPassRole(grantee.grantPrincipal);
    acknowledgeNag(grantee, [
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/default/batch-*]',
        reason: 'One-time schedules are named per batch (batch-<id>); the statement covers only those names.',
      },
    ]);
  }

  /**
   * The reconciler checks a batch's execution, starts a new run when it ended or vanished with the batch
   * unfinished, and ends a batch it gives up on (its report is written under reports/).
   */
  grantReconcile(grantee: IGrantable & IConstruct): void {
    this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantExecution(grantee, 'states:DescribeExecution');
    this.outputs.grantWrite(grantee, `${REPORTS_PREFIX}*`);
    acknowledgeNag(grantee, [
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.logicalIdOf(this.stateMachine.node.defaultChild as CfnResource)}"}]}]}:*]`,
        reason: 'DescribeExecution of this state machine’s executions (one per batch run), as CDK grants it.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.outputsLogicalId(this.outputs)}.Arn>/${REPORTS_PREFIX}*]`,
        reason: 'Batch reports are written per tenant and batch under reports/ only.',
      },
      { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'CDK grantWrite includes multipart abort.' },
      { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: 'CDK grantWrite: overwriting a report.' },
    ]);
  }

  private definition(config: StageConfig) {
    const ids = { 'tenant.$': '$.tenant', 'batchId.$': '$.batchId' };
    const startBatch = new LambdaInvoke(this, 'StartBatch', {
      lambdaFunction: this.tasks.function,
      payload: TaskInput.fromObject({ action: 'start', ...ids, executionArn: JsonPath.executionId }),
      payloadResponseOnly: true,
      comment: 'SCHEDULED -> RUNNING; one Map item per slot (none for a cancelled batch).',
    });
    const nextJob = new LambdaInvoke(this, 'NextJob', {
      lambdaFunction: this.tasks.function,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ action: 'next', ...ids, taskToken: JsonPath.taskToken }),
      resultPath: '$.step',
      taskTimeout: Timeout.duration(Duration.minutes(config.batches.jobTimeoutMinutes)),
      comment: 'Starts the next job whose dependencies completed; resumes when it ends (batch callback).',
    });
    const countJob = new Pass(this, 'CountJob', {
      parameters: { ...ids, 'slot.$': '$.slot', 'ran.$': 'States.MathAdd($.ran, 1)' },
    });
    const slotDone = new Succeed(this, 'SlotDone');
    const waitForDependencies = new Wait(this, 'WaitForDependencies', {
      time: WaitTime.duration(Duration.seconds(3)),
    });
    nextJob.addCatch(countJob, { errors: ['States.Timeout'], resultPath: '$.timedOut' });
    const slot = nextJob.next(
      new Choice(this, 'SlotStep')
        .when(
          Condition.stringEquals('$.step.state', 'ran'),
          countJob.next(
            new Choice(this, 'SlotRoundFull')
              .when(Condition.numberGreaterThanEquals('$.ran', JOBS_PER_SLOT_ROUND), slotDone)
              .otherwise(nextJob),
          ),
        )
        .when(Condition.stringEquals('$.step.state', 'wait'), waitForDependencies.next(nextJob))
        .otherwise(slotDone),
    );
    const runSlots = new DistributedMap(this, 'RunSlots', {
      itemsPath: '$.slots',
      maxConcurrencyPath: '$.maxConcurrency',
      itemSelector: { ...ids, 'slot.$': '$$.Map.Item.Value', ran: 0 },
      resultPath: JsonPath.DISCARD,
      mapExecutionType: StateMachineType.STANDARD,
      comment: 'One iteration per slot: at most maxConcurrency jobs of the batch at once.',
    });
    runSlots.itemProcessor(slot);
    const finishBatch = new LambdaInvoke(this, 'FinishBatch', {
      lambdaFunction: this.tasks.function,
      payload: TaskInput.fromObject({ action: 'finish', ...ids }),
      payloadResponseOnly: true,
      resultPath: '$.finish',
      comment: 'More pending jobs: another round. Else the report, the final status and the batch event.',
    });
    const waitForStragglers = new Wait(this, 'WaitForStragglers', {
      time: WaitTime.duration(Duration.seconds(30)),
    });
    for (const task of [startBatch, nextJob, finishBatch]) {
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'States.TaskFailed'],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: JitterType.FULL,
      });
    }
    return startBatch
      .next(runSlots)
      .next(
        finishBatch.next(
          new Choice(this, 'BatchStep')
            .when(Condition.stringEquals('$.finish.state', 'more'), runSlots)
            .when(Condition.stringEquals('$.finish.state', 'wait'), waitForStragglers.next(finishBatch))
            .otherwise(new Succeed(this, 'BatchDone')),
        ),
      );
  }

  /** SendTaskSuccess for tokens of this state machine (named, so no dependency cycle with it). */
  private grantTaskResponse(grantee: IGrantable, stateMachineName: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: `${stateMachineName}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  private outputsLogicalId(bucket: IBucket): string {
    return this.logicalIdOf(bucket.node.defaultChild as CfnResource);
  }

  private logicalIdOf(resource: CfnResource): string {
    return Stack.of(this).resolve(resource.logicalId) as string;
  }
}
