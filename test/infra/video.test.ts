import { existsSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.js';
import { STAGES, type StageName, stageConfig } from '../../lib/config.js';
import type { MediaPipelineStack } from '../../lib/media-pipeline-stack.js';
import { fromRoot } from '../../lib/paths.js';
import {
  actionsOf,
  type CfnResource,
  ENTRIES,
  functionByEntry,
  functionStatements,
  type Json,
  NO_BUNDLING,
  ofType,
  type Resources,
  resourcesFor,
  roleStatements,
} from '../support/infra-template.js';

const templates = {} as Record<StageName, Resources>;
const stacks = {} as Record<StageName, MediaPipelineStack>;

beforeAll(() => {
  for (const stage of STAGES) {
    const { stack } = createApp({ stage, context: NO_BUNDLING });
    stacks[stage] = stack;
    templates[stage] = Template.fromStack(stack).toJSON().Resources as Resources;
  }
});

/** Intrinsics (Ref, Fn::GetAtt, ...) flattened to a placeholder inside a joined string. */
const flatten = (value: Json): string =>
  typeof value === 'string'
    ? value
    : value?.['Fn::Join']
      ? (value['Fn::Join'][1] as Json[]).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')
      : 'TOKEN';

/** The video state machine's ASL, from the Fn::Join of its DefinitionString. */
const definition = (resources: Resources): Json =>
  JSON.parse(flatten((resources.VideoStateMachine as CfnResource).Properties.DefinitionString));

const taskDefinition = (resources: Resources): CfnResource => {
  const found = ofType(resources, 'AWS::ECS::TaskDefinition');
  expect(found).toHaveLength(1);
  return (found[0] as [string, CfnResource])[1];
};

const objectsArn = (bucket: string, pattern: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${pattern}`]],
});

describe('video state machine', () => {
  it('is a Standard machine that logs every event to a log group and is traced', () => {
    for (const stage of STAGES) {
      const machine = templates[stage].VideoStateMachine as CfnResource;
      expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      const logging = machine.Properties.LoggingConfiguration;
      expect(logging.Level).toBe('ALL');
      expect(logging.IncludeExecutionData).toBe(stageConfig(stage).video.logExecutionData);
      expect(logging.Destinations).toHaveLength(1);
      const [logGroupId] = logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'];
      expect(templates[stage][logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
    }
  });

  it('runs the transcoder with runTask.sync, the stage timeout and its retries, catching to MarkFailed', () => {
    for (const stage of STAGES) {
      const { video } = stageConfig(stage);
      const asl = definition(templates[stage]);
      expect(asl.StartAt).toBe('Transcode');
      const transcode = asl.States.Transcode;
      expect(transcode.Type).toBe('Task');
      expect(transcode.Resource).toMatch(/^arn:[^:]+:states:::ecs:runTask\.sync$/);
      expect(transcode.TimeoutSeconds, stage).toBe(video.taskTimeoutMinutes * 60);
      expect(transcode.Next).toBe('Finalize');
      const retrierFor = (error: string) =>
        (transcode.Retry as Json[]).find((r) => r.ErrorEquals.includes(error));
      for (const error of ['ECS.AmazonECSException', 'ECS.ThrottlingException']) {
        expect(retrierFor(error), `${stage} ${error}`).toMatchObject({
          JitterStrategy: 'FULL',
          MaxAttempts: video.capacityRetries,
        });
      }
      expect(retrierFor('States.TaskFailed'), stage).toMatchObject({ MaxAttempts: video.taskFailedRetries });
      expect(retrierFor('States.ALL')).toBeUndefined();
      for (const state of [transcode, asl.States.Finalize]) {
        expect(state.Catch).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MarkFailed' },
        ]);
      }
      const markFailed = asl.States.MarkFailed;
      expect(markFailed.Type).toBe('Task');
      expect(markFailed.Catch).toBeUndefined();
      expect(asl.States[markFailed.Next].Type).toBe('Fail');
      expect(asl.States[asl.States.Finalize.Next].Type).toBe('Succeed');
    }
  });

  it('passes the job to the container and launches it on Fargate in the isolated subnets, no public IP', () => {
    const resources = templates.prod;
    const { Parameters: parameters } = definition(resources).States.Transcode;
    expect(parameters.LaunchType).toBe('FARGATE');
    const overrides = parameters.Overrides.ContainerOverrides;
    expect(overrides).toHaveLength(1);
    expect(overrides[0].Name).toBe('transcoder');
    const environment = Object.fromEntries(
      (overrides[0].Environment as Json[]).map((e) => [e.Name, e['Value.$'] ?? e.Value]),
    );
    expect(Object.keys(environment).sort()).toEqual(['JOB_ATTEMPT', 'JOB_ID', 'JOB_TENANT']);
    expect(environment.JOB_TENANT).toBe('$.tenant');
    expect(environment.JOB_ID).toBe('$.jobId');
    expect(environment.JOB_ATTEMPT).toContain('$.attempt');
    const network = parameters.NetworkConfiguration.AwsvpcConfiguration;
    expect(network.AssignPublicIp).not.toBe('ENABLED');
    // The template's only subnets are the isolated ones (see the network test); the task uses them all.
    expect(network.Subnets).toHaveLength(ofType(resources, 'AWS::EC2::Subnet').length);
    expect(network.SecurityGroups).toHaveLength(1);
  });

  it('lets an execution run every attempt to its timeout, and the job lease outlast the execution', () => {
    for (const stage of STAGES) {
      const { video } = stageConfig(stage);
      const timeout = definition(templates[stage]).TimeoutSeconds;
      expect(timeout, stage).toBe(stacks[stage].video.executionTimeout.toSeconds());
      expect(timeout, stage).toBeGreaterThanOrEqual(
        (1 + video.taskFailedRetries) * video.taskTimeoutMinutes * 60,
      );
      const worker = functionByEntry(templates[stage], ENTRIES.worker)[1];
      expect(Number(worker.Properties.Environment.Variables.VIDEO_LEASE_SECONDS)).toBeGreaterThan(timeout);
    }
  });
});

describe('transcoder task definition', () => {
  it('is a Fargate task of the stage size: one read-only transcoder container with /scratch and awslogs', () => {
    for (const stage of STAGES) {
      const { video } = stageConfig(stage);
      const { Properties: task, Metadata: metadata } = taskDefinition(templates[stage]);
      expect(task.Cpu, stage).toBe(String(video.task.cpu));
      expect(task.Memory, stage).toBe(String(video.task.memoryMiB));
      expect(task.EphemeralStorage.SizeInGiB, stage).toBe(video.task.ephemeralStorageGiB);
      expect(task.RequiresCompatibilities).toEqual(['FARGATE']);
      expect(task.NetworkMode).toBe('awsvpc');
      expect(task.ContainerDefinitions).toHaveLength(1);
      const container = task.ContainerDefinitions[0];
      expect(container.Name).toBe('transcoder');
      expect(container.ReadonlyRootFilesystem).toBe(true);
      expect(container.MountPoints).toContainEqual(
        expect.objectContaining({ ContainerPath: '/scratch', SourceVolume: 'scratch' }),
      );
      expect(task.Volumes).toContainEqual(expect.objectContaining({ Name: 'scratch' }));
      expect(container.LogConfiguration.LogDriver).toBe('awslogs');
      const environment = Object.fromEntries((container.Environment as Json[]).map((e) => [e.Name, e.Value]));
      expect(environment, stage).toMatchObject({
        VIDEO_MAX_DURATION_SECONDS: String(video.limits.maxDurationSeconds),
        VIDEO_MAX_WIDTH: String(video.limits.maxWidth),
        VIDEO_MAX_HEIGHT: String(video.limits.maxHeight),
        VIDEO_MAX_FPS: String(video.limits.maxFps),
        VIDEO_MAX_STREAMS: String(video.limits.maxStreams),
      });
      expect(metadata?.['media-pipeline:container-entry']).toBe('containers/transcoder/main.ts');
    }
    expect(existsSync(fromRoot('containers/transcoder/main.ts'))).toBe(true);
  });
});

describe('video network', () => {
  it('has no internet path: no NAT or internet gateway, no routes, no public IPs on launch', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      expect(ofType(resources, 'AWS::EC2::NatGateway')).toEqual([]);
      expect(ofType(resources, 'AWS::EC2::InternetGateway')).toEqual([]);
      expect(ofType(resources, 'AWS::EC2::EgressOnlyInternetGateway')).toEqual([]);
      expect(ofType(resources, 'AWS::EC2::Route')).toEqual([]);
      const subnets = ofType(resources, 'AWS::EC2::Subnet');
      expect(subnets.length).toBeGreaterThanOrEqual(2);
      for (const [id, subnet] of subnets)
        expect(subnet.Properties.MapPublicIpOnLaunch ?? false, id).toBe(false);
    }
  });

  it('reaches AWS through gateway (S3, DynamoDB) and private-DNS interface endpoints, with a flow log', () => {
    const resources = templates.prod;
    const endpoints = ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties);
    const find = (service: string) => {
      const found = endpoints.filter((e) => flatten(e.ServiceName).endsWith(`.${service}`));
      expect(found, service).toHaveLength(1);
      return found[0] as Record<string, Json>;
    };
    for (const service of ['s3', 'dynamodb']) expect(find(service).VpcEndpointType, service).toBe('Gateway');
    for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'events']) {
      expect(find(service), service).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    }
    const [vpcId] = ofType(resources, 'AWS::EC2::VPC').map(([id]) => id);
    const flowLogs = ofType(resources, 'AWS::EC2::FlowLog').map(([, f]) => f.Properties);
    expect(flowLogs).toContainEqual(
      expect.objectContaining({ ResourceId: { Ref: vpcId }, ResourceType: 'VPC', TrafficType: 'ALL' }),
    );
  });

  it('lets the task security group out on tcp/443 only, and nothing in', () => {
    const resources = templates.prod;
    // The definition names the group by its GroupId (the only GroupId among the Fn::Join's parts).
    const groupIds = (resources.VideoStateMachine as CfnResource).Properties.DefinitionString['Fn::Join'][1]
      .filter((part: Json) => part?.['Fn::GetAtt']?.[1] === 'GroupId')
      .map((part: Json) => part['Fn::GetAtt'][0]);
    expect(groupIds).toHaveLength(1);
    const groupId = groupIds[0];
    const group = resources[groupId] as CfnResource;
    expect(group.Type).toBe('AWS::EC2::SecurityGroup');
    const egress = group.Properties.SecurityGroupEgress as Json[];
    expect(egress.length).toBeGreaterThan(0);
    for (const rule of egress) expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
    expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
    const refersToGroup = ([, rule]: [string, CfnResource]) =>
      rule.Properties.GroupId?.['Fn::GetAtt']?.[0] === groupId;
    expect(ofType(resources, 'AWS::EC2::SecurityGroupEgress').filter(refersToGroup)).toEqual([]);
    expect(ofType(resources, 'AWS::EC2::SecurityGroupIngress').filter(refersToGroup)).toEqual([]);
  });
});

describe('video least privilege', () => {
  it('lets the task read sources only under uploads/ and t/ of the uploads bucket, with no wildcard actions', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const roleId = taskDefinition(resources).Properties.TaskRoleArn['Fn::GetAtt'][0];
      const statements = roleStatements(resources, roleId);
      const actions = actionsOf(statements);
      expect(actions).toContain('s3:GetObject');
      for (const action of actions) expect(action, stage).not.toMatch(/^(\*|s3:\*|s3:GetObject\*)$|\*$/);
      const reads = resourcesFor(statements, 's3:GetObject');
      expect(reads.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
        objectsArn('UploadsBucket', 't/*'),
        objectsArn('UploadsBucket', 'uploads/*'),
      ]);
      // No other access to the uploads bucket than reading, and listing those prefixes (so a missing
      // source is a 404, not a 403).
      const uploads = statements.filter((s) => JSON.stringify(s.Resource).includes('UploadsBucket'));
      expect(actionsOf(uploads)).toEqual(['s3:GetObject', 's3:ListBucket']);
      const listing = uploads.find((s) => [s.Action].flat().includes('s3:ListBucket'));
      expect(listing?.Condition).toEqual({ StringLike: { 's3:prefix': ['uploads/*', 't/*'] } });
      expect(actions.some((a) => a.startsWith('states:'))).toBe(false);
    }
  });

  it('lets the image worker start video executions and the api stop them, and nothing more', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const worker = functionStatements(resources, ENTRIES.worker);
      const api = functionStatements(resources, ENTRIES.api);
      expect(resourcesFor(worker, 'states:StartExecution')).toEqual([{ Ref: 'VideoStateMachine' }]);
      expect(resourcesFor(worker, 'states:StopExecution')).toEqual([]);
      const stops = resourcesFor(api, 'states:StopExecution');
      expect(stops).toHaveLength(1);
      expect(flatten(stops[0])).toBe('arn:TOKEN:states:TOKEN:TOKEN:execution:TOKEN:*');
      expect(JSON.stringify(stops[0])).toContain('{"Ref":"VideoStateMachine"}');
      expect(resourcesFor(api, 'states:StartExecution')).not.toContainEqual({ Ref: 'VideoStateMachine' });
    }
  });

  it('lets the state machine stop and describe ECS tasks of its own cluster only', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const machineRole = (resources.VideoStateMachine as CfnResource).Properties.RoleArn['Fn::GetAtt'][0];
      const statements = roleStatements(resources, machineRole);
      const [clusterId] = ofType(resources, 'AWS::ECS::Cluster')[0] as [string, CfnResource];
      const denies = statements.filter((s) => s.Effect === 'Deny');
      expect(denies).toEqual([
        {
          Effect: 'Deny',
          Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
          Resource: '*',
          Condition: { ArnNotEquals: { 'ecs:cluster': { 'Fn::GetAtt': [clusterId, 'Arn'] } } },
        },
      ]);
      // The allow CDK grants for runTask.sync stays as it was: the deny is what scopes it.
      expect(statements.some((s) => s.Effect === 'Allow' && actionsOf([s]).includes('ecs:StopTask'))).toBe(
        true,
      );
    }
  });

  it('gives the ingest worker and the api the video state machine ARN', () => {
    for (const stage of STAGES) {
      for (const entry of [ENTRIES.worker, ENTRIES.api]) {
        const fn = functionByEntry(templates[stage], entry)[1];
        expect(fn.Properties.Environment.Variables.VIDEO_STATE_MACHINE_ARN, entry).toEqual({
          Ref: 'VideoStateMachine',
        });
      }
    }
  });

  // Finalize moves the job to COMPLETED through the publishing job store, which presigns the outputs'
  // GET URLs for media.job.completed with the video tasks role.
  it('lets the video tasks function (a completed-event publisher) read outputs under t/', () => {
    const statements = functionStatements(templates.dev, ENTRIES.videoTasks);
    const reads = [...resourcesFor(statements, 's3:GetObject'), ...resourcesFor(statements, 's3:GetObject*')];
    expect(reads).toContainEqual(objectsArn('OutputsBucket', 't/*'));
  });
});
