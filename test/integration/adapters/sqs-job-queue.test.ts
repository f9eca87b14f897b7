import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { parseIngestMessages } from '../../../src/adapters/aws/ingest-messages.js';
import { SqsJobQueue } from '../../../src/adapters/aws/sqs-job-queue.js';
import type { Priority } from '../../../src/core/job.js';

const JOB_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
let emulators: Emulators;
let client: SQSClient;
let queueUrls: Record<Priority, string>;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  const create = async (priority: Priority) =>
    (await client.send(new CreateQueueCommand({ QueueName: `jobs-${priority}` }))).QueueUrl ?? '';
  // fauxqs answers with *.localhost URLs; requests go to the endpoint the client was given.
  queueUrls = {
    urgent: await create('urgent'),
    high: await create('high'),
    normal: await create('normal'),
    low: await create('low'),
  };
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

const receive = async (priority: Priority) =>
  (
    await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrls[priority],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    )
  ).Messages ?? [];

describe('SqsJobQueue (fauxqs)', () => {
  it('sends a job to the queue of its priority only, as a message the ingest parser reads back', async () => {
    const queue = new SqsJobQueue({ queueUrls, client });
    await queue.enqueue({ tenant: 'acme', jobId: JOB_ID, priority: 'urgent' });
    const urgent = await receive('urgent');
    expect(urgent).toHaveLength(1);
    expect(parseIngestMessages(urgent[0]?.Body ?? '')).toEqual([
      { kind: 'job', tenant: 'acme', jobId: JOB_ID },
    ]);
    for (const other of ['high', 'normal', 'low'] as const) expect(await receive(other)).toEqual([]);
  });

  it('surfaces a missing queue as an error rather than dropping the job', async () => {
    const queue = new SqsJobQueue({ queueUrls: { ...queueUrls, low: `${queueUrls.low}-missing` }, client });
    await expect(queue.enqueue({ tenant: 'acme', jobId: JOB_ID, priority: 'low' })).rejects.toThrow();
  });
});
