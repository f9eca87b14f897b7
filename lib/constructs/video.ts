import { type CfnResource, Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  type ContainerDefinition,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargatePlatformVersion,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EcsFargateLaunchTarget, EcsRunTask, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct, type IConstruct } from 'constructs';
import { ENV, type EnvSettings, environmentOf } from '../../src/contract/env.js';
import type { StageConfig } from '../config.js';
import { setContainerEntry } from '../container-entry.js';
import { acknowledgeBucketGrant } from '../nag.js';
import { PROJECT_ROOT } from '../paths.js';
import { PipelineFunction } from './pipeline-function.js';
import { standardStateMachine } from './state-machine.js';
import { acknowledgeVideoNag, acknowledgeVideoStop } from './video-nag.js';
import { TranscodeNetwork } from './video-network.js';
import { grantOutputs, MAX_CAPACITY_RETRY_DELAY_SECONDS, videoExecutionTimeout } from './video-support.js';

export const TRANSCODER_CONTAINER = 'transcoder';
export const TRANSCODER_ENTRY = 'containers/transcoder/main.ts';

/** What the transcoder's image is built from: the project minus everything the image does not need. */
const IMAGE_EXCLUDES = [
  'node_modules',
  'cdk.out',
  '.git',
  'test',
  'bench',
  'docs',
  'local',
  'coverage',
  '*.log',
];

export interface VideoProps {
  config: StageConfig;
  table: ITable;
  uploads: IBucket;
  outputs: IBucket;
  bus: IEventBus;
  environment: EnvSettings;
}

/**
 * Video and audio jobs: one Standard execution per job attempt (started by the ingest worker, named after
 * the job). `Transcode` runs the transcoder (ffmpeg) as an ECS Fargate task and waits for it (runTask.sync);
 * `Finalize` records its outputs (COMPLETED) or its input error (FAILED); `MarkFailed` is the Catch of both.
 * The task runs in isolated subnets: no internet route, only the VPC endpoints of the AWS services it uses.
 */
export class Video extends Construct {
  readonly stateMachine: StateMachine;
  readonly tasks: PipelineFunction;
  readonly taskDefinition: FargateTaskDefinition;
  readonly container: ContainerDefinition;
  readonly cluster: Cluster;
  readonly vpc: Vpc;
  readonly logGroup: LogGroup;
  readonly taskLogGroup: LogGroup;
  /** How long one execution may run: every attempt at its timeout, plus the waits between them. */
  readonly executionTimeout: Duration;
  private readonly outputs: IBucket;

  constructor(scope: Construct, id: string, props: VideoProps) {
    super(scope, id);
    const { config } = props;
    this.outputs = props.outputs;
    const stateMachineName = `media-pipeline-${config.stage}-video`;
    this.executionTimeout = videoExecutionTimeout(config);

    const network = new TranscodeNetwork(this, 'Network', { config });
    this.vpc = network.vpc;
    const taskSecurityGroup = network.taskSecurityGroup;
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: this.vpc,
      clusterName: `media-pipeline-${config.stage}-video`,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    this.taskLogGroup = new LogGroup(this, 'TaskLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.taskDefinition = this.transcoderTask(config, props);
    this.container = this.taskDefinition.findContainer(TRANSCODER_CONTAINER) as ContainerDefinition;

    this.tasks = new PipelineFunction(this, 'Tasks', {
      entry: 'lambdas/video-tasks/handler.ts',
      description: 'Video state machine steps: finalize (outputs recorded, job COMPLETED) and fail.',
      settings: config.video.tasks,
      config,
      environment: props.environment,
    });
    props.table.grantReadWriteData(this.tasks.function);
    grantOutputs(this.tasks.function, props.outputs, { readResults: true });
    // The completed event it publishes carries presigned GET URLs of the outputs.
    props.outputs.grantRead(this.tasks.function, 't/*');
    acknowledgeBucketGrant(this.tasks, props.outputs, 'read', 't/*');
    props.bus.grantPutEventsTo(this.tasks.function);

    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = standardStateMachine(this, {
      config,
      name: stateMachineName,
      definition: this.definition(config, taskSecurityGroup),
      timeout: this.executionTimeout,
      logExecutionData: config.video.logExecutionData,
    }));
    (this.stateMachine.node.defaultChild as CfnResource).overrideLogicalId('VideoStateMachine');
    // runTask.sync's own grant stops and describes tasks on '*' (ECS task ARNs are not known in advance):
    // deny both outside this stage's cluster, so the machine cannot touch another cluster's tasks.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    acknowledgeVideoNag(this, {
      tasksFunction: this.tasks.function,
      outputs: props.outputs,
      uploads: props.uploads,
      taskDefinition: this.taskDefinition,
    });
  }

  /** The ingest worker starts executions; the API stops them (cancel). */
  grantStart(grantee: IGrantable): void {
    this.stateMachine.grantStartExecution(grantee);
  }

  /** The reconciler checks whether a PROCESSING job's execution still runs. */
  grantDescribe(grantee: IGrantable & IConstruct): void {
    this.stateMachine.grantExecution(grantee, 'states:DescribeExecution');
    acknowledgeVideoStop(grantee, this.stateMachine);
  }

  grantStop(grantee: IGrantable & IConstruct): void {
    this.stateMachine.grantExecution(grantee, 'states:StopExecution');
    acknowledgeVideoStop(grantee, this.stateMachine);
    grantOutputs(grantee, this.outputs, {});
  }

  private transcoderTask(config: StageConfig, props: VideoProps): FargateTaskDefinition {
    const { cpu, memoryMiB, ephemeralStorageGiB } = config.video.task;
    const task = new FargateTaskDefinition(this, 'TranscoderTask', {
      family: `media-pipeline-${config.stage}-transcoder`,
      cpu,
      memoryLimitMiB: memoryMiB,
      ephemeralStorageGiB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.X86_64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    task.addVolume({ name: 'scratch' });
    const limits = config.video.limits;
    const container = task.addContainer(TRANSCODER_CONTAINER, {
      image: ContainerImage.fromAsset(PROJECT_ROOT, {
        file: 'containers/transcoder/Dockerfile',
        exclude: IMAGE_EXCLUDES,
        // The task definition says X86_64: build that, also when deploying from an arm64 machine.
        platform: Platform.LINUX_AMD64,
      }),
      essential: true,
      readonlyRootFilesystem: true,
      user: 'node',
      stopTimeout: Duration.seconds(30),
      logging: LogDrivers.awsLogs({ streamPrefix: 'transcoder', logGroup: this.taskLogGroup }),
      environment: environmentOf({
        ...props.environment,
        scratchDir: '/scratch',
        videoMaxDurationSeconds: String(limits.maxDurationSeconds),
        videoMaxWidth: String(limits.maxWidth),
        videoMaxHeight: String(limits.maxHeight),
        videoMaxFps: String(limits.maxFps),
        videoMaxStreams: String(limits.maxStreams),
        maxVideoUploadBytes: String(config.video.maxUploadBytes),
        powertoolsServiceName: 'media-pipeline-transcoder',
        powertoolsLogLevel: config.logLevel,
      }),
    });
    container.addMountPoints({ containerPath: '/scratch', sourceVolume: 'scratch', readOnly: false });
    setContainerEntry(task, TRANSCODER_ENTRY);
    // Sources: presigned uploads (uploads/) and the tenants' own objects (t/); nothing else is read.
    task.taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.uploads.arnForObjects('uploads/*'), props.uploads.arnForObjects('t/*')],
      }),
    );
    // So that a missing source is a 404 (SOURCE_NOT_FOUND), not a 403 (a crash, retried).
    task.taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.uploads.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['uploads/*', 't/*'] } },
      }),
    );
    grantOutputs(task.taskRole, props.outputs, { writeResults: true });
    props.table.grantReadWriteData(task.taskRole);
    props.bus.grantPutEventsTo(task.taskRole);
    return task;
  }

  private definition(config: StageConfig, securityGroup: SecurityGroup) {
    const ids = { 'tenant.$': '$.tenant', 'jobId.$': '$.jobId', 'attempt.$': '$.attempt' };
    const retry = { interval: Duration.seconds(config.video.retryIntervalSeconds), backoffRate: 2 };
    const transcode = new EcsRunTask(this, 'Transcode', {
      integrationPattern: IntegrationPattern.RUN_JOB,
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      launchTarget: new EcsFargateLaunchTarget({ platformVersion: FargatePlatformVersion.LATEST }),
      assignPublicIp: false,
      subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      containerOverrides: [
        {
          containerDefinition: this.container,
          environment: [
            { name: ENV.jobTenant, value: JsonPath.stringAt('$.tenant') },
            { name: ENV.jobId, value: JsonPath.stringAt('$.jobId') },
            { name: ENV.jobAttempt, value: JsonPath.format('{}', JsonPath.stringAt('$.attempt')) },
          ],
        },
      ],
      taskTimeout: Timeout.duration(Duration.minutes(config.video.taskTimeoutMinutes)),
      resultPath: JsonPath.DISCARD,
      comment:
        'ffmpeg on Fargate: download, probe (limits), plan, one-decode transcode, upload, result document.',
    });
    // ECS refused to start it (API throttling, no Fargate capacity): nothing ran, retry patiently.
    transcode.addRetry({
      // AmazonECS.Unknown: RunTask answered with Failures (e.g. no Fargate capacity) rather than an error.
      errors: [
        'ECS.AmazonECSException',
        'ECS.ThrottlingException',
        'ECS.ServerException',
        'AmazonECS.Unknown',
      ],
      maxAttempts: config.video.capacityRetries,
      maxDelay: Duration.seconds(MAX_CAPACITY_RETRY_DELAY_SECONDS),
      jitterStrategy: JitterType.FULL,
      ...retry,
    });
    // The task ran and died (killed, out of memory, crashed): a fresh task starts over, a few times.
    transcode.addRetry({
      errors: ['States.TaskFailed'],
      maxAttempts: config.video.taskFailedRetries,
      jitterStrategy: JitterType.FULL,
      ...retry,
    });
    const finalize = new LambdaInvoke(this, 'Finalize', {
      lambdaFunction: this.tasks.function,
      payload: TaskInput.fromObject({ action: 'finalize', ...ids }),
      payloadResponseOnly: true,
      resultPath: '$.finalized',
      comment: 'COMPLETED with the outputs, or FAILED with the input error; a cancelled job rejects it.',
    });
    const markFailed = new LambdaInvoke(this, 'MarkFailed', {
      lambdaFunction: this.tasks.function,
      payload: TaskInput.fromObject({
        action: 'fail',
        ...ids,
        // The whole error object: a reference path to a missing Cause would fail the step itself.
        'failure.$': '$.failure',
      }),
      payloadResponseOnly: true,
      resultPath: '$.failed',
      comment: 'The job ends FAILED (TRANSCODE_FAILED / TRANSCODE_TIMEOUT); partial outputs deleted.',
    });
    for (const task of [finalize, markFailed])
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'States.TaskFailed'],
        maxAttempts: 6,
        jitterStrategy: JitterType.FULL,
        interval: Duration.seconds(2),
        backoffRate: 2,
      });
    transcode.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.failure' });
    finalize.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.failure' });
    markFailed.next(new Fail(this, 'TranscodeFailed', { error: 'TranscodeFailed', cause: 'see the job' }));
    return transcode.next(finalize).next(new Succeed(this, 'Done'));
  }
}
