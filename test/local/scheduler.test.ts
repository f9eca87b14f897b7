import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.js';
import type { Json } from '../../local/template.js';
import { recorded } from './fixtures/events-handlers.js';
import { synthesizeEventsFixture } from './fixtures/events-stack.js';

// The EventBridge fixture has what schedules target: a Pass state machine (OnEvent), a queue no rule ever
// fills (DisabledQueue: its rule is disabled) and a function that records its events (Recorder).
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
let template: Record<string, Json>;
let stack: LocalStack;
let scheduler: SchedulerClient;
let sfn: SFNClient;
let sqs: SQSClient;
const lines: string[] = [];

beforeAll(async () => {
  template = synthesizeEventsFixture();
  stack = await startLocalStack({
    template,
    projectRoot: process.cwd(),
    log: (line) => lines.push(line),
  });
  scheduler = new SchedulerClient({ region, endpoint: stack.schedulerEndpoint, credentials });
  sfn = new SFNClient({ region, endpoint: stack.sfnEndpoint, credentials });
  sqs = new SQSClient({ region, endpoint: stack.sqsEndpoint, credentials });
});

afterAll(async () => {
  for (const client of [scheduler, sfn, sqs]) client?.destroy();
  await stack?.stop();
  expect(process.env.AWS_ENDPOINT_URL_SCHEDULER).toBeUndefined();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** `at()` for an instant, to the second (truncated), in UTC. */
const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;
const machineArn = () => stack.stateMachineArn('OnEvent');
/** The Recorder function's ARN (no explicit name: its logical id is its name). */
const recorderArn = () => {
  const [id] = Object.entries(template.Resources as Record<string, Json>).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['media-pipeline:handler'] === 'record',
  ) ?? [''];
  return `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
};

const create = (name: string, input: Partial<CreateScheduleCommandInput>) =>
  scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      ScheduleExpression: at(Date.now() + 60_000),
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: machineArn(), RoleArn: ROLE, Input: JSON.stringify({ schedule: name }) },
      ...input,
    }),
  );

/** Inputs of the OnEvent executions started so far. */
async function executionInputs(): Promise<unknown[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn() }));
  return Promise.all(
    executions.map(async (e) => {
      const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      return JSON.parse(input ?? 'null');
    }),
  );
}

async function executionFor(name: string, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const inputs = await executionInputs();
    if (inputs.some((i) => (i as { schedule?: string })?.schedule === name)) return Date.now();
    if (Date.now() > deadline) throw new Error(`no execution for schedule ${name} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const ranFor = async (name: string) =>
  (await executionInputs()).some((i) => (i as { schedule?: string })?.schedule === name);

describe('EventBridge Scheduler: at() schedules', () => {
  it('starts the target state machine with the Input when the schedule is due', async () => {
    const due = Math.floor((Date.now() + 2_000) / 1000) * 1000;
    const { ScheduleArn } = await create('soon', { ScheduleExpression: at(due) });
    expect(ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/soon');
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: 'soon' }));
    expect(schedule).toMatchObject({
      Arn: ScheduleArn,
      Name: 'soon',
      GroupName: 'default',
      State: 'ENABLED',
      ScheduleExpression: at(due),
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: machineArn(), RoleArn: ROLE, Input: '{"schedule":"soon"}' },
    });
    expect(schedule.CreationDate).toBeInstanceOf(Date);

    await sleep(300);
    expect(await ranFor('soon')).toBe(false);
    const ranAt = await executionFor('soon');
    expect(ranAt).toBeGreaterThanOrEqual(due);
    // ActionAfterCompletion NONE: the schedule stays.
    expect(await scheduler.send(new GetScheduleCommand({ Name: 'soon' }))).toMatchObject({ Name: 'soon' });
  });

  it('runs nothing for a schedule deleted before it is due', async () => {
    const fired = stack.scheduler.counts.fired;
    await create('cancelled', { ScheduleExpression: at(Date.now() + 1_000) });
    await scheduler.send(new DeleteScheduleCommand({ Name: 'cancelled' }));
    await sleep(1_500);
    expect(stack.scheduler.counts.fired).toBe(fired);
    expect(await ranFor('cancelled')).toBe(false);
  });

  it('deletes itself after firing with ActionAfterCompletion DELETE (a past time fires at once)', async () => {
    await create('once', { ScheduleExpression: at(Date.now() - 60_000), ActionAfterCompletion: 'DELETE' });
    await executionFor('once');
    await stack.scheduler.settled();
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('reads at() in ScheduleExpressionTimezone, fires a FLEXIBLE window at its start, and honours UpdateSchedule', async () => {
    const wall = at(Date.now() + 500);
    // The same wall-clock time is 12 hours ago at UTC+12 (due: fires) and 12 hours ahead at UTC-12 (not due).
    await create('east', { ScheduleExpression: wall, ScheduleExpressionTimezone: 'Etc/GMT-12' });
    await create('west', { ScheduleExpression: wall, ScheduleExpressionTimezone: 'Etc/GMT+12' });
    await create('flexible', {
      ScheduleExpression: at(Date.now() - 1_000),
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    });
    await Promise.all([executionFor('east'), executionFor('flexible')]);
    await sleep(1_000);
    expect(await ranFor('west')).toBe(false);

    // Disabled: not run; updated to enabled and due: run.
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'west',
        ScheduleExpression: at(Date.now() - 1_000),
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'DISABLED',
        Target: { Arn: machineArn(), RoleArn: ROLE, Input: JSON.stringify({ schedule: 'west' }) },
      }),
    );
    await sleep(500);
    expect(await ranFor('west')).toBe(false);
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'west',
        ScheduleExpression: at(Date.now() - 1_000),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: machineArn(), RoleArn: ROLE, Input: JSON.stringify({ schedule: 'west' }) },
      }),
    );
    await executionFor('west');
  });

  it('delivers to an SQS queue and a function; other targets count as failed', async () => {
    const past = at(Date.now() - 1_000);
    const queueName = stack.queueUrl('DisabledQueue').split('/').pop();
    const failed = stack.scheduler.counts.failed;
    const before = recorded().length;
    await create('to-queue', {
      ScheduleExpression: past,
      Target: { Arn: `arn:aws:sqs:us-east-1:000000000000:${queueName}`, RoleArn: ROLE, Input: 'plain text' },
    });
    await create('to-function', {
      ScheduleExpression: past,
      Target: { Arn: recorderArn(), RoleArn: ROLE, Input: '{"from":"scheduler"}' },
    });
    await create('to-sns', {
      ScheduleExpression: past,
      Target: { Arn: 'arn:aws:sns:us-east-1:000000000000:nowhere', RoleArn: ROLE },
    });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl('DisabledQueue'), WaitTimeSeconds: 5 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['plain text']);
    await stack.idle(10_000);
    expect(
      recorded()
        .slice(before)
        .map((r) => r.event),
    ).toEqual([{ from: 'scheduler' }]);
    expect(stack.scheduler.counts.failed).toBe(failed + 1);
    expect(lines.some((l) => l.includes('nowhere is not delivered locally'))).toBe(true);
  });
});

describe('EventBridge Scheduler: API', () => {
  it('answers ConflictException, ResourceNotFoundException and ValidationException as the service does', async () => {
    await create('taken', {});
    await expect(create('taken', {})).rejects.toMatchObject({
      name: 'ConflictException',
      $metadata: { httpStatusCode: 409 },
    });
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
      message: 'Schedule missing does not exist.',
    });
    await expect(scheduler.send(new DeleteScheduleCommand({ Name: 'missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      scheduler.send(new UpdateScheduleCommand({ Name: 'missing', ...definition() })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(create('grouped', { GroupName: 'no-such-group' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    for (const bad of [
      { ScheduleExpression: 'at(2026-02-30T10:00:00)' },
      { ScheduleExpression: 'tomorrow' },
      { ScheduleExpressionTimezone: 'Mars/Olympus_Mons' },
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE' as const } },
    ])
      await expect(create('bad', bad)).rejects.toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
  });

  it('accepts rate() and cron() without running them (one warning), lists schedules, and is reached through the environment', async () => {
    await create('every-five', { ScheduleExpression: 'rate(5 minutes)' });
    await create('nightly', { ScheduleExpression: 'cron(0 3 * * ? *)', State: 'DISABLED' });
    expect(
      lines.filter((l) => l.includes('rate() and cron() schedules are accepted but not run')),
    ).toHaveLength(1);

    expect(process.env.AWS_ENDPOINT_URL_SCHEDULER).toBe(stack.schedulerEndpoint);
    const viaEnvironment = new SchedulerClient({});
    try {
      const { Schedules = [] } = await viaEnvironment.send(new ListSchedulesCommand({ NamePrefix: 'n' }));
      expect(Schedules).toEqual([
        expect.objectContaining({
          Name: 'nightly',
          GroupName: 'default',
          State: 'DISABLED',
          Target: { Arn: machineArn() },
        }),
      ]);
      const firstPage = await viaEnvironment.send(new ListSchedulesCommand({ MaxResults: 1 }));
      expect(firstPage.Schedules).toHaveLength(1);
      expect(firstPage.NextToken).toBeDefined();
      const disabled = await viaEnvironment.send(new ListSchedulesCommand({ State: 'DISABLED' }));
      expect(disabled.Schedules?.map((s) => s.Name)).toEqual(['nightly']);
    } finally {
      viaEnvironment.destroy();
    }
  });
});

function definition() {
  return {
    ScheduleExpression: at(Date.now() + 60_000),
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    Target: { Arn: machineArn(), RoleArn: ROLE },
  };
}
