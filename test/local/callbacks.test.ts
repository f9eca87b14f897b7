import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.js';
import { type CallbackEvent, issued } from './fixtures/callback-handlers.js';
import { synthesizeCallbackFixture } from './fixtures/callback-stack.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let stack: LocalStack;
let sfn: SFNClient;
let sqs: SQSClient;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    template: synthesizeCallbackFixture(),
    projectRoot: process.cwd(),
    log: (line) => lines.push(line),
  });
  sfn = new SFNClient({ region: 'us-east-1', endpoint: stack.sfnEndpoint, credentials });
  sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.sqsEndpoint, credentials });
});

afterAll(async () => {
  sfn?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(machine: string, input: unknown): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: stack.stateMachineArn(machine),
      input: JSON.stringify(input),
    }),
  );
  return executionArn as string;
}

async function status(executionArn: string): Promise<DescribeExecutionOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function finished(executionArn: string, timeoutMs = 15_000): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await status(executionArn);
    if (execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** The event the waiting task's Lambda received for `id` (its token in `callback.token`). */
async function issuedFor(match: (input: CallbackEvent['input']) => boolean): Promise<CallbackEvent> {
  for (let i = 0; i < 400; i++) {
    const found = issued().find((e) => match(e.input));
    if (found) return found;
    await sleep(25);
  }
  throw new Error('no task token was issued');
}
const tokenFor = async (id: string) => (await issuedFor((input) => input.id === id)).callback.token;

const succeed = (taskToken: string, output: unknown) =>
  sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));

describe('local Step Functions: .waitForTaskToken', () => {
  it('waits for SendTaskSuccess, whose output is the task result; a token completes once', async () => {
    const arn = await start('Approval', { id: 'ok-1', mode: 'wait' });
    const token = await tokenFor('ok-1');
    // Opaque and long, as AWS's; the placeholder never reaches the function.
    expect(token).toMatch(/^[A-Za-z0-9_-]{500,}$/);
    await sleep(200);
    expect((await status(arn)).status).toBe('RUNNING');

    expect(await succeed(token, { approved: true })).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    const execution = await finished(arn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({
      id: 'ok-1',
      mode: 'wait',
      approval: { approved: true },
    });

    await expect(succeed(token, { again: true })).rejects.toMatchObject({
      name: 'TaskTimedOut',
      message: expect.stringContaining('Task Timed Out'),
    });
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(succeed('not-a-token', {})).rejects.toMatchObject({ name: 'InvalidToken' });
    // The definition AWS holds is unchanged.
    const { definition } = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: stack.stateMachineArn('Approval') }),
    );
    expect(definition).toContain('"token.$":"$$.Task.Token"');
  });

  it('fails the task with SendTaskFailure: Catch matches its error; an uncaught one fails the execution', async () => {
    const caught = await start('Approval', { id: 'reject-1', mode: 'wait' });
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: await tokenFor('reject-1'),
        error: 'Rejected',
        cause: 'not good enough',
      }),
    );
    const execution = await finished(caught);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').rejection).toEqual({
      Error: 'Rejected',
      Cause: 'not good enough',
    });

    const uncaught = await start('Approval', { id: 'reject-2', mode: 'wait' });
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenFor('reject-2'), error: 'Other', cause: 'why' }),
    );
    expect(await finished(uncaught)).toMatchObject({ status: 'FAILED', error: 'Other', cause: 'why' });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'x', output: 'not json' })),
    ).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
  });

  it('completes a token the Lambda sends back during its own invocation (its return value is ignored)', async () => {
    const execution = await finished(await start('Approval', { id: 'self-1', mode: 'self' }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').approval).toEqual({ completedBy: 'lambda', id: 'self-1' });
  });

  it('fails the task when the Lambda invocation fails, and discards its token', async () => {
    const execution = await finished(await start('Approval', { id: 'throw-1', mode: 'throw' }));
    expect(execution).toMatchObject({ status: 'FAILED', error: 'CallbackRefused' });
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({ errorMessage: 'refused throw-1' });
    await expect(succeed(await tokenFor('throw-1'), {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('rejects the token of a stopped execution with TaskTimedOut', async () => {
    const arn = await start('Approval', { id: 'stop-1', mode: 'wait' });
    const token = await tokenFor('stop-1');
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Cancelled' }));
    expect((await status(arn)).status).toBe('ABORTED');
    await expect(succeed(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('local Step Functions: callback timeouts, Map and SQS', () => {
  it('keeps a task alive while SendTaskHeartbeat arrives, and fails it with States.Timeout when it stops', async () => {
    const arn = await start('Heartbeat', { id: 'hb-1', mode: 'wait' });
    const token = await tokenFor('hb-1');
    const started = Date.now();
    // HeartbeatSeconds 1: four heartbeats 400 ms apart keep it running well past one second.
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    expect((await status(arn)).status).toBe('RUNNING');
    const execution = await finished(arn);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(execution.cause).toContain('heartbeat');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    await expect(succeed(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('still times the task out at its TimeoutSeconds, and the token is gone', async () => {
    const arn = await start('Deadline', { id: 'deadline-1', mode: 'wait' });
    const token = await tokenFor('deadline-1');
    expect(await finished(arn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    await expect(succeed(token, {})).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('runs an inline Map (MaxConcurrency 2) whose iterations each wait for their own token', async () => {
    const arn = await start('FanoutCallbacks', { batch: 'map-1', items: [0, 1, 2, 3, 4] });
    const completed = new Set<string>();
    let peak = 0;
    while (completed.size < 5) {
      const waiting = issued().filter((e) => e.input.batch === 'map-1' && !completed.has(e.callback.token));
      peak = Math.max(peak, waiting.length);
      const next = waiting[0];
      if (!next) {
        await sleep(25);
        continue;
      }
      // Gives the other iteration time to start, so the peak shows the concurrency.
      await sleep(100);
      completed.add(next.callback.token);
      await succeed(next.callback.token, { index: next.input.index, done: true });
    }
    const execution = await finished(arn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '[]')).toEqual(
      [0, 1, 2, 3, 4].map((index) => ({ index, done: true })),
    );
    expect(peak).toBe(2);
  });

  it('sends the token in an SQS message body (sqs:sendMessage.waitForTaskToken)', async () => {
    const arn = await start('QueueCallback', { id: 'queue-1' });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl('CallbackQueue'), WaitTimeSeconds: 5 }),
    );
    const body = JSON.parse(Messages[0]?.Body ?? '{}');
    expect(body).toEqual({ id: 'queue-1', token: expect.stringMatching(/^[A-Za-z0-9_-]{500,}$/) });
    await succeed(body.token, { fromQueue: true });
    expect(JSON.parse((await finished(arn)).output ?? '{}')).toEqual({ fromQueue: true });
  });
});
