import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.js';
import { recorded } from './fixtures/events-handlers.js';
import { KEY_ALIAS, synthesizeEventsFixture } from './fixtures/events-stack.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';
const BUS = 'media-pipeline-fixture';
let stack: LocalStack;
let events: EventBridgeClient;
let kms: KMSClient;
let sqs: SQSClient;
let sfn: SFNClient;
const lines: string[] = [];
const envBefore = { ...process.env };

beforeAll(async () => {
  stack = await startLocalStack({
    template: synthesizeEventsFixture(),
    projectRoot: process.cwd(),
    log: (line) => lines.push(line),
    scheduleIntervalMs: 250,
    retryDelayMs: 20,
  });
  events = new EventBridgeClient({ region, endpoint: stack.eventsEndpoint, credentials });
  kms = new KMSClient({ region, endpoint: stack.kmsEndpoint, credentials });
  sqs = new SQSClient({ region, endpoint: stack.sqsEndpoint, credentials });
  sfn = new SFNClient({ region, endpoint: stack.sfnEndpoint, credentials });
});

afterAll(async () => {
  for (const client of [events, kms, sqs, sfn]) client?.destroy();
  await stack?.stop();
  expect(process.env).toEqual(envBefore);
});

/** Every message on the queue now (after deliveries settle), deleted as read. */
async function drain(prefix: string, waitSeconds = 0): Promise<Message[]> {
  const QueueUrl = stack.queueUrl(prefix);
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: all.length ? 0 : waitSeconds,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 30,
      }),
    );
    if (!Messages.length) return all;
    all.push(...Messages);
  }
}
const bodies = (messages: Message[]) => messages.map((m) => JSON.parse(m.Body ?? 'null'));

const put = async (entries: PutEventsRequestEntry[]) => {
  const result = await events.send(new PutEventsCommand({ Entries: entries }));
  await stack.events.settled();
  return result;
};
const entry = (detailType: string, detail: unknown, extra: Partial<PutEventsRequestEntry> = {}) => ({
  EventBusName: BUS,
  Source: 'media-pipeline',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
  ...extra,
});

describe('EventBridge: PutEvents and rules from the template', () => {
  it('delivers a matched event to the SQS targets: the envelope, InputPath and InputTransformer', async () => {
    const time = new Date('2026-03-04T05:06:07.890Z');
    const result = await put([
      entry('Job Completed', { id: 'job-1', status: 'succeeded' }, { Time: time, Resources: ['arn:x'] }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies(await drain('CompletedQueue'))).toEqual([
      {
        version: '0',
        id: eventId,
        'detail-type': 'Job Completed',
        source: 'media-pipeline',
        account: '000000000000',
        time: '2026-03-04T05:06:07Z',
        region,
        resources: ['arn:x'],
        detail: { id: 'job-1', status: 'succeeded' },
      },
    ]);
    expect(bodies(await drain('DetailQueue'))).toEqual([{ id: 'job-1', status: 'succeeded' }]);
    expect(bodies(await drain('TransformedQueue'))).toEqual([
      { job: 'job-1', kind: 'Job Completed', fixed: 'constant' },
    ]);
  });

  it('delivers nothing for an unmatched event, on another bus, or through a disabled rule', async () => {
    const result = await put([
      entry('Job Completed', { id: 'job-2', status: 'failed' }),
      entry('Job Completed', { id: 'job-3', status: 'succeeded' }, { EventBusName: undefined }),
      entry('Something Else', { status: 'succeeded' }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    for (const queue of ['CompletedQueue', 'DetailQueue', 'DisabledQueue', 'DefaultBusQueue'])
      expect(await drain(queue)).toEqual([]);
  });

  it('routes events on the default bus, by name or ARN', async () => {
    await put([
      { Source: 'local.default', DetailType: 'A', Detail: '{"n":1}' },
      {
        Source: 'local.default',
        DetailType: 'B',
        Detail: '{"n":2}',
        EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
      },
    ]);
    const got = bodies(await drain('DefaultBusQueue'));
    expect(got.map((e) => e.detail.n).sort()).toEqual([1, 2]);
  });

  it('invokes a function target asynchronously with the envelope, with STAGE=local', async () => {
    const before = recorded().length;
    const result = await put([entry('Job Completed', { id: 'job-4', status: 'succeeded' })]);
    const calls = recorded().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.handler).toBe('record');
    expect(calls[0]?.event.id).toBe(result.Entries?.[0]?.EventId);
    expect(calls[0]?.event.detail).toEqual({ id: 'job-4', status: 'succeeded' });
    expect(calls[0]?.stage).toBe('local');
    await drain('CompletedQueue');
  });

  it('gives handlers the EventBridge and KMS endpoints (a handler encrypts and relays)', async () => {
    const result = await put([entry('Job Completed', { id: 'job-5', status: 'succeeded', relay: 'secret' })]);
    const [relayed] = bodies(await drain('RelayedQueue'));
    expect(relayed['detail-type']).toBe('Relayed');
    const eventId = result.Entries?.[0]?.EventId as string;
    expect(relayed.detail.eventId).toBe(eventId);
    const { Plaintext, KeyId } = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(relayed.detail.ciphertext, 'base64'),
        EncryptionContext: { eventId },
      }),
    );
    expect(Buffer.from(Plaintext as Uint8Array).toString()).toBe('secret');
    expect(KeyId).toBe(stack.outputs.KeyArn);
    await drain('CompletedQueue');
  });

  it('retries a failing function as Lambda does, then sends the event to its dead-letter queue', async () => {
    const before = recorded().length;
    const result = await put([entry('Job Failed', { id: 'job-6' })]);
    // retryAttempts: 1 → two invocations.
    expect(
      recorded()
        .slice(before)
        .map((c) => c.handler),
    ).toEqual(['fail', 'fail']);
    const [message] = await drain('FailingFnDlq', 2);
    expect(JSON.parse(message?.Body ?? '').id).toBe(result.Entries?.[0]?.EventId);
    expect(message?.MessageAttributes?.ErrorMessage?.StringValue).toBe('cannot handle Job Failed');
    expect(message?.MessageAttributes?.ErrorCode?.StringValue).toBe('200');
    expect(message?.MessageAttributes?.RequestID?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('starts a state machine target with the selected input', async () => {
    await put([entry('Start Machine', { x: 1 })]);
    const stateMachineArn = stack.stateMachineArn('OnEvent');
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions).toHaveLength(1);
    const execution = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executions[0]?.executionArn as string }),
    );
    expect(JSON.parse(execution.input ?? '')).toEqual({ x: 1 });
  });

  it("sends an event its target cannot take to the target's DLQ, with the error attributes", async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: stack.queueUrl('DoomedQueue') }));
    const result = await put([entry('Doomed', { id: 'job-7' })]);
    const [message] = await drain('TargetDlq', 2);
    expect(message).toBeDefined();
    expect(JSON.parse(message?.Body ?? '').id).toBe(result.Entries?.[0]?.EventId);
    const attributes = Object.fromEntries(
      Object.entries(message?.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
    );
    expect(attributes).toMatchObject({
      ERROR_CODE: 'NO_RESOURCE',
      RULE_ARN: expect.stringMatching(
        /^arn:aws:events:us-east-1:000000000000:rule\/media-pipeline-fixture\/Doomed/,
      ),
      TARGET_ARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:DoomedQueue/),
      RETRY_ATTEMPTS: '0',
    });
    expect(attributes.ERROR_MESSAGE).toBeTruthy();
  });

  it('reports invalid entries one by one, and refuses a request that is too large or has too many', async () => {
    const { FailedEntryCount, Entries = [] } = await events.send(
      new PutEventsCommand({
        Entries: [
          entry('Fine', {}),
          { ...entry('No source', {}), Source: undefined },
          { ...entry('x', {}), DetailType: undefined },
          { ...entry('No detail', {}), Detail: undefined },
          { ...entry('Array', {}), Detail: '[1, 2]' },
          { ...entry('Not JSON', {}), Detail: '{oops' },
          { ...entry('AWS source', {}), Source: 'aws.s3' },
          entry('Unknown bus', {}, { EventBusName: 'nope' }),
        ],
      }),
    );
    expect(FailedEntryCount).toBe(7);
    expect(Entries[0]?.EventId).toBeDefined();
    expect(Entries.slice(1).map((e) => [e.ErrorCode, e.EventId])).toEqual([
      ['InvalidArgument', undefined],
      ['InvalidArgument', undefined],
      ['InvalidArgument', undefined],
      ['MalformedDetail', undefined],
      ['MalformedDetail', undefined],
      ['NotAuthorizedForSourceException', undefined],
      ['ResourceNotFoundException', undefined],
    ]);
    expect(Entries[1]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );

    const tooMany = Array.from({ length: 11 }, () => entry('Many', {}));
    await expect(events.send(new PutEventsCommand({ Entries: tooMany }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    const big = entry('Big', { blob: 'x'.repeat(256 * 1024) });
    await expect(events.send(new PutEventsCommand({ Entries: [big] }))).rejects.toThrow(/over the limit/);
    await stack.events.settled();
  });

  it('fires rate schedules (interval scaled for tests) and leaves cron ones to AWS', async () => {
    const ticks = bodies(await drain('TickQueue', 2));
    expect(ticks.length).toBeGreaterThan(0);
    const rule = stack.events.rules.find((r) => r.logicalId.startsWith('Ticker'));
    expect(ticks[0]).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region,
      resources: [rule?.arn],
      detail: {},
    });
    expect(await drain('NightlyQueue')).toEqual([]);
    expect(lines.some((l) => /Nightly.*cron schedules are not run locally/.test(l))).toBe(true);
  });

  it('lists and describes the rules', async () => {
    const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: BUS }));
    const disabled = Rules.find((r) => r.Name?.startsWith('Disabled'));
    expect(disabled?.State).toBe('DISABLED');
    expect(JSON.parse(disabled?.EventPattern ?? '')).toEqual({ source: ['media-pipeline'] });
    const { Rules: onDefault = [] } = await events.send(new ListRulesCommand({ NamePrefix: 'Tick' }));
    expect(onDefault.map((r) => r.ScheduleExpression)).toEqual(['rate(5 minutes)']);
    const described = await events.send(
      new DescribeRuleCommand({ Name: disabled?.Name as string, EventBusName: BUS }),
    );
    expect(described.Arn).toBe(disabled?.Arn);
  });
});

describe('KMS: keys from the template', () => {
  const plaintext = Buffer.from('the data key');

  it('encrypts and decrypts through the SDK, by alias, key id or ARN', async () => {
    for (const KeyId of [KEY_ALIAS, stack.outputs.KeyId, stack.outputs.KeyArn]) {
      const encrypted = await kms.send(
        new EncryptCommand({ KeyId, Plaintext: plaintext, EncryptionContext: { tenant: 't1', job: 'j1' } }),
      );
      expect(encrypted.KeyId).toBe(stack.outputs.KeyArn);
      const decrypted = await kms.send(
        new DecryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          EncryptionContext: { job: 'j1', tenant: 't1' },
        }),
      );
      expect(decrypted.KeyId).toBe(stack.outputs.KeyArn);
      expect(Buffer.from(decrypted.Plaintext as Uint8Array)).toEqual(plaintext);
    }
  });

  it('fails to decrypt under another encryption context (InvalidCiphertextException, 400)', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KEY_ALIAS, Plaintext: plaintext, EncryptionContext: { tenant: 't1' } }),
    );
    for (const EncryptionContext of [{ tenant: 't2' }, undefined])
      await expect(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext }))).rejects.toMatchObject(
        {
          name: 'InvalidCiphertextException',
          $metadata: { httpStatusCode: 400 },
        },
      );
  });

  it('refuses unknown and disabled keys', async () => {
    await expect(
      kms.send(new EncryptCommand({ KeyId: 'alias/not-there', Plaintext: plaintext })),
    ).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(
      kms.send(new EncryptCommand({ KeyId: '11111111-2222-4333-a444-555555555555', Plaintext: plaintext })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(
      kms.send(new EncryptCommand({ KeyId: stack.outputs.DisabledKeyArn, Plaintext: plaintext })),
    ).rejects.toMatchObject({ name: 'DisabledException' });
  });

  it('generates data keys', async () => {
    const key = await kms.send(
      new GenerateDataKeyCommand({ KeyId: KEY_ALIAS, KeySpec: 'AES_256', EncryptionContext: { a: 'b' } }),
    );
    expect(key.Plaintext).toHaveLength(32);
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: { a: 'b' } }),
    );
    expect(Buffer.from(decrypted.Plaintext as Uint8Array)).toEqual(Buffer.from(key.Plaintext as Uint8Array));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: KEY_ALIAS }));
    expect(KeyMetadata).toMatchObject({
      KeyId: stack.outputs.KeyId,
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
    });
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ALIAS }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
