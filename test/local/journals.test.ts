import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulators } from '../../local/emulators.js';
import { type EventRule, LocalEventBus, type RuleTarget } from '../../local/event-bus.js';
import { EventJournal } from '../../local/event-journal.js';
import { startSqsFront } from '../../local/sqs-front.js';
import { replaySqsJournal, SqsJournal } from '../../local/sqs-journal.js';

/**
 * The two journals that make a durable local stack keep what SQS and EventBridge keep across a kill: each
 * test "crashes" by dropping the emulator or bus without any cleanup, then starts a new one on the same
 * folder, as `npm start` does after a kill -9.
 */
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const folders: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-journal-'));
  folders.push(dir);
  return dir;
}

/** fauxqs (in memory) behind a front that journals to `dir`, with the queues created. */
async function sqsOn(dir: string) {
  const emulators = await startEmulators();
  const journal = new SqsJournal(dir);
  const front = await startSqsFront(emulators.sqs.endpoint, 0, journal);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: front.endpoint, credentials });
  stops.push(
    () => emulators.stop(),
    () => front.stop(),
    async () => sqs.destroy(),
  );
  const work = (await sqs.send(new CreateQueueCommand({ QueueName: 'work' }))).QueueUrl as string;
  const fifo = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'work.fifo', Attributes: { FifoQueue: 'true' } }))
  ).QueueUrl as string;
  const urls = new Map([
    ['work', work],
    ['work.fifo', fifo],
  ]);
  return { sqs, journal, work, fifo, urls, crash: () => Promise.all([front.stop(), emulators.stop()]) };
}

async function receiveAll(sqs: SQSClient, QueueUrl: string) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 30,
    }),
  );
  return Messages;
}

describe('the SQS journal of a durable stack', () => {
  it('sends every undeleted message again after a crash, and no deleted one', async () => {
    const dir = await folder();
    const first = await sqsOn(dir);
    await first.sqs.send(
      new SendMessageCommand({
        QueueUrl: first.work,
        MessageBody: 'kept',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'image' } },
      }),
    );
    await first.sqs.send(new SendMessageCommand({ QueueUrl: first.work, MessageBody: 'deleted' }));
    await first.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: first.work,
        Entries: [
          { Id: 'a', MessageBody: 'batch-kept' },
          { Id: 'b', MessageBody: 'batch-deleted' },
        ],
      }),
    );
    await first.sqs.send(
      new SendMessageCommand({ QueueUrl: first.work, MessageBody: 'delayed', DelaySeconds: 600 }),
    );
    await first.sqs.send(
      new SendMessageCommand({
        QueueUrl: first.fifo,
        MessageBody: 'ordered',
        MessageGroupId: 'g1',
        MessageDeduplicationId: 'd1',
      }),
    );
    const received = await receiveAll(first.sqs, first.work);
    expect(received.map((m) => m.Body).sort()).toEqual(['batch-deleted', 'batch-kept', 'deleted', 'kept']);
    const handle = (body: string) => received.find((m) => m.Body === body)?.ReceiptHandle as string;
    await first.sqs.send(
      new DeleteMessageCommand({ QueueUrl: first.work, ReceiptHandle: handle('deleted') }),
    );
    await first.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: first.work,
        Entries: [{ Id: 'x', ReceiptHandle: handle('batch-deleted') }],
      }),
    );
    // 'kept' and 'batch-kept' were received and never deleted: a worker held them when the stack died.
    expect(await readdir(dir)).toHaveLength(4);
    await first.crash();

    const second = await sqsOn(dir);
    expect(
      await replaySqsJournal(
        second.journal,
        second.sqs,
        (n) => second.urls.get(n),
        () => {},
      ),
    ).toBe(4);
    const again = await receiveAll(second.sqs, second.work);
    expect(again.map((m) => m.Body).sort()).toEqual(['batch-kept', 'kept']);
    expect(again.find((m) => m.Body === 'kept')?.MessageAttributes?.kind?.StringValue).toBe('image');
    // The delayed message keeps (about) the rest of its delay.
    const { Attributes } = await second.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: second.work,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    const fifo = await second.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: second.fifo,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(fifo.Messages?.map((m) => [m.Body, m.Attributes?.MessageGroupId])).toEqual([['ordered', 'g1']]);
    // Re-sent messages are journaled under their new ids; the old entries are gone.
    expect(await readdir(dir)).toHaveLength(4);
  });

  it('keeps a FIFO group in order across a crash, and a deduplicated resend of a deleted message away', async () => {
    const dir = await folder();
    const first = await sqsOn(dir);
    await first.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: first.fifo,
        Entries: Array.from({ length: 8 }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: `step-${i}`,
          MessageGroupId: 'g',
          MessageDeduplicationId: `d${i}`,
        })),
      }),
    );
    await first.sqs.send(
      new SendMessageCommand({ QueueUrl: first.work, MessageBody: 'once', MessageDeduplicationId: 'x' }),
    );
    await first.crash();
    const second = await sqsOn(dir);
    await replaySqsJournal(
      second.journal,
      second.sqs,
      (n) => second.urls.get(n),
      () => {},
    );
    // One group's messages come one at a time, each after the one before was deleted.
    const order: string[] = [];
    for (let i = 0; i < 20 && order.length < 8; i++) {
      const { Messages = [] } = await second.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: second.fifo, MaxNumberOfMessages: 10 }),
      );
      for (const m of Messages) {
        order.push(m.Body as string);
        await second.sqs.send(
          new DeleteMessageCommand({ QueueUrl: second.fifo, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
    expect(order).toEqual(Array.from({ length: 8 }, (_, i) => `step-${i}`));
    // A resend inside the deduplication window answers with the deleted original's id (SQS does; if the
    // emulator makes a new message instead, that one is journaled): the journal holds what the queues hold.
    await second.sqs.send(
      new SendMessageCommand({
        QueueUrl: second.fifo,
        MessageBody: 'step-0',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd0',
      }),
    );
    const { Attributes } = await second.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: second.fifo,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(await readdir(dir)).toHaveLength(1 + Number(Attributes?.ApproximateNumberOfMessages));
  });

  it('drops a journaled message whose queue the template no longer has, and says so', async () => {
    const dir = await folder();
    const first = await sqsOn(dir);
    await first.sqs.send(new SendMessageCommand({ QueueUrl: first.work, MessageBody: 'orphan' }));
    await first.crash();
    const second = await sqsOn(dir);
    const lines: string[] = [];
    expect(
      await replaySqsJournal(
        second.journal,
        second.sqs,
        () => undefined,
        (l) => lines.push(l),
      ),
    ).toBe(0);
    expect(lines.join('\n')).toContain('queue work no longer exists');
    expect(await readdir(dir)).toHaveLength(0);
  });
});

describe('the event journal of a durable stack', () => {
  const target = (id: string, kind: RuleTarget['kind']): RuleTarget => ({
    id,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${id}`,
    kind,
    functionLogicalId: id,
    queueUrl: 'http://127.0.0.1:1/000000000000/q',
    input: (event) => JSON.stringify(event),
    maxRetries: 0,
    maxEventAgeSeconds: 60,
  });
  const rule: EventRule = {
    logicalId: 'JobEnded',
    name: 'job-ended',
    arn: 'arn:aws:events:us-east-1:000000000000:rule/job-ended',
    busName: 'default',
    state: 'ENABLED',
    matches: () => true,
    targets: [target('Queue', 'sqs'), target('Callback', 'lambda')],
    rawTargets: [],
  };
  const busOn = (dir: string, invoke: (ref: string, event: unknown) => Promise<void>, sent: unknown[]) =>
    new LocalEventBus({
      rules: [rule],
      buses: [],
      sqs: { send: async (command: unknown) => void sent.push(command) } as never,
      invoker: { invoke },
      journal: new EventJournal(dir),
    });
  const put = (bus: LocalEventBus) =>
    bus.putEvents({
      Entries: [{ Source: 'media-pipeline', DetailType: 'Job Completed', Detail: '{"jobId":"j1"}' }],
    });

  it('delivers an accepted event again to the targets a crash kept it from, once each', async () => {
    const dir = await folder();
    const sent: unknown[] = [];
    // The first bus dies while its function target is still running (the invocation never ends).
    const first = busOn(dir, () => new Promise(() => undefined), sent);
    const { Entries } = put(first);
    const eventId = (Entries[0] as { EventId: string }).EventId;
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toHaveLength(1);
    const [file] = await readdir(dir);
    expect(JSON.parse(await readFile(join(dir, file as string), 'utf8')).pending).toEqual([
      'JobEnded/Callback',
    ]);

    const invoked: { ref: string; event: { id: string; detail: unknown } }[] = [];
    const second = busOn(dir, async (ref, event) => void invoked.push({ ref, event: event as never }), sent);
    expect(second.replayJournal()).toBe(1);
    await second.settled();
    expect(invoked.map((i) => [i.ref, i.event.id, i.event.detail])).toEqual([
      ['Callback', eventId, { jobId: 'j1' }],
    ]);
    // The SQS target had its copy before the crash: it is not sent a second one.
    expect(sent).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
    // The first bus is left as a killed process leaves it: nothing of it runs any more.
    await second.stop();
  });

  it('keeps nothing once every target has the event', async () => {
    const dir = await folder();
    const bus = busOn(dir, async () => undefined, []);
    put(bus);
    await bus.settled();
    expect(await readdir(dir)).toEqual([]);
    await bus.stop();
  });
});
