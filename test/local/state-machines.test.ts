import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.js';
import type { Json } from '../../local/template.js';
import { CONTAINER_ENTRY_METADATA } from '../../src/contract/template-metadata.js';
import { synthesizeStateMachineFixture } from './fixtures/state-machine-stack.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let template: Record<string, Json>;
let stack: LocalStack;
let sfn: SFNClient;
let doc: DynamoDBDocumentClient;
let sqs: SQSClient;
const lines: string[] = [];
const pids: number[] = [];

beforeAll(async () => {
  template = synthesizeStateMachineFixture();
  stack = await startLocalStack({ template, projectRoot: process.cwd(), log: (line) => lines.push(line) });
  sfn = new SFNClient({ region: 'us-east-1', endpoint: stack.sfnEndpoint, credentials });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint, credentials }),
  );
  sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.sqsEndpoint, credentials });
});

afterAll(async () => {
  sfn?.destroy();
  doc?.destroy();
  sqs?.destroy();
  await stack?.stop();
  expect(process.env.AWS_ENDPOINT_URL_SFN).toBeUndefined();
  // Every container process the tests saw is gone.
  expect(pids.filter(alive)).toEqual([]);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(machine: string, input: unknown, name?: string) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: stack.stateMachineArn(machine),
      input: JSON.stringify(input),
      name,
    }),
  );
  return executionArn as string;
}

async function finished(executionArn: string, timeoutMs = 20_000): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function item(id: string, sk: string) {
  const { Item } = await doc.send(
    new GetCommand({ TableName: stack.tableName('Jobs'), Key: { pk: `job#${id}`, sk } }),
  );
  return Item;
}

/** The pid the fixture container recorded once it is up. */
async function containerPid(id: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const recorded = await item(id, 'container');
    if (recorded) {
      pids.push(Number(recorded.pid));
      return Number(recorded.pid);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container for ${id} never started`);
}

describe('local Step Functions: tasks', () => {
  it('runs Lambda → ecs:runTask.sync (container child process) → DynamoDB updateItem → SQS sendMessage', async () => {
    const arn = await start('Pipeline', { id: 'ok-1', mode: 'ok' });
    // idle() waits for running executions.
    await stack.idle(30_000);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output ?? '{}');
    // lambda:invoke returns the {Payload, StatusCode} envelope; runTask.sync the stopped task.
    expect(output.statusCode).toBe(200);
    expect(output.task).toMatchObject({
      LastStatus: 'STOPPED',
      StopCode: 'EssentialContainerExited',
      Containers: [{ Name: 'worker', ExitCode: 0 }],
      TaskDefinitionArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:000000000000:task-definition\/.+:1$/),
    });

    // The container got its definition's environment, the override's environment and command, and reached
    // DynamoDB with a default client (the local SDK endpoints).
    const recorded = await item('ok-1', 'container');
    expect(recorded).toMatchObject({ stage: 'fixture', mode: 'ok', args: JSON.stringify(['--job', 'ok-1']) });
    pids.push(Number(recorded?.pid));
    expect(await item('ok-1', 'status')).toMatchObject({ status: 'COMPLETED', lastStatus: 'STOPPED' });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl('JobEvents'), MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([{ id: 'ok-1', status: 'COMPLETED' }]);
  });

  it('fails the task with the stderr tail when the container exits non-zero, and Catch routes to the failure state', async () => {
    const execution = await finished(await start('Pipeline', { id: 'fail-1', mode: 'fail' }));
    expect(execution).toMatchObject({ status: 'FAILED', error: 'JobFailed', cause: 'the container failed' });
    const status = await item('fail-1', 'status');
    expect(status?.status).toBe('FAILED');
    expect(status?.cause).toContain('Essential container worker exited with code 3');
    expect(status?.cause).toContain('something broke: bad input');
  });

  it('retries a Lambda that is throttled twice, then succeeds', async () => {
    const arn = await start('Flaky', { key: 'retry-1' });
    const execution = await finished(arn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ attempts: 3 });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    const failures = events.filter((e) => e.type === 'TaskFailed');
    expect(failures.map((e) => e.taskFailedEventDetails?.error)).toEqual(['Throttled', 'Throttled']);
    expect(JSON.parse(failures[0]?.taskFailedEventDetails?.cause ?? '{}')).toMatchObject({
      errorType: 'Throttled',
      errorMessage: 'throttled (attempt 1)',
    });
  });

  it('runs a Map with MaxConcurrency 2: never more than 2 iterations in flight', async () => {
    const items = [0, 1, 2, 3, 4, 5];
    const execution = await finished(await start('Fanout', { batch: 'map-1', items }));
    expect(execution.status).toBe('SUCCEEDED');
    const results = JSON.parse(execution.output ?? '[]') as { index: number; peak: number }[];
    expect(results.map((r) => r.index)).toEqual(items);
    // Sampled by the function: concurrency reached 2 and never exceeded it.
    expect(Math.max(...results.map((r) => r.peak))).toBe(2);
  });

  it('fails a Task whose resource has no local implementation with States.Runtime naming it', async () => {
    const execution = await finished(await start('Unsupported', { hello: 1 }));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(execution.cause).toContain('arn:aws:states:::sns:publish');
  });
});

describe('local Step Functions: stop, names, timeouts', () => {
  it('StopExecution aborts the execution and kills its container', async () => {
    const arn = await start('Pipeline', { id: 'stop-1', mode: 'hang' });
    const pid = await containerPid('stop-1');
    expect(alive(pid)).toBe(true);
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Cancelled', cause: 'user asked' }));
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'user asked' });
    expect(alive(pid)).toBe(false);
    expect(await item('stop-1', 'status')).toBeUndefined();
  });

  it('treats a duplicate start (same name, same input) as a no-op and rejects a different input', async () => {
    const input = { id: 'dup-1', mode: 'hang' };
    const first = await start('Pipeline', input, 'dup-1');
    expect(await start('Pipeline', input, 'dup-1')).toBe(first);
    await expect(start('Pipeline', { ...input, extra: true }, 'dup-1')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stack.stateMachineArn('Pipeline'),
        statusFilter: 'RUNNING',
      }),
    );
    expect(executions.map((e) => e.name)).toEqual(['dup-1']);
    await containerPid('dup-1');
    await sfn.send(new StopExecutionCommand({ executionArn: first }));
    // A closed execution's name stays taken (as AWS does for 90 days), whatever the input.
    await expect(start('Pipeline', input, 'dup-1')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('kills a hung container at the task TimeoutSeconds, and a silent one at HeartbeatSeconds', async () => {
    const started = Date.now();
    const [chatty, silent] = await Promise.all([
      start('Hung', { id: 'timeout-1', mode: 'chatty', command: [] }),
      start('Hung', { id: 'heartbeat-1', mode: 'hang', command: [] }),
    ]);
    const [chattyPid, silentPid] = await Promise.all([
      containerPid('timeout-1'),
      containerPid('heartbeat-1'),
    ]);
    const heartbeat = await finished(silent);
    expect(heartbeat).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(heartbeat.cause).toContain('heartbeat');
    // Heartbeat 5 s, timeout 10 s: long enough for a container (node + tsx) to start on a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    const timeout = await finished(chatty);
    expect(timeout).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(timeout.cause).toContain('timed out after 10s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect([alive(chattyPid), alive(silentPid)]).toEqual([false, false]);
  });
});

describe('local Step Functions: API front', () => {
  it('answers AWS errors and reaches in-process default clients through AWS_ENDPOINT_URL_SFN', async () => {
    expect(process.env.AWS_ENDPOINT_URL_SFN).toBe(stack.sfnEndpoint);
    const viaEnvironment = new SFNClient({});
    try {
      const { executions = [] } = await viaEnvironment.send(
        new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn('Flaky') }),
      );
      expect(executions.length).toBeGreaterThan(0);
      await expect(
        viaEnvironment.send(
          new DescribeExecutionCommand({ executionArn: `${stack.stateMachineArn('Flaky')}:nope` }),
        ),
      ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
      await expect(
        viaEnvironment.send(
          new StartExecutionCommand({
            stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Missing',
          }),
        ),
      ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
      await expect(start('Flaky', {}, 'bad name')).rejects.toMatchObject({ name: 'InvalidName' });
    } finally {
      viaEnvironment.destroy();
    }
  });

  it('reads the container entry from task definition metadata set by lib/container-entry.ts', () => {
    const taskDefinitions = Object.values(template.Resources as Record<string, Json>).filter(
      (r) => r.Type === 'AWS::ECS::TaskDefinition',
    );
    expect(taskDefinitions.map((r) => r.Metadata?.[CONTAINER_ENTRY_METADATA])).toEqual([
      'test/local/fixtures/container-entry.ts',
    ]);
  });
});
