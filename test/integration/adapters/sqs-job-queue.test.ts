import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { parseIngestMessages } from '../../../src/adapters/aws/ingest-messages.js';
import { SqsJobQueue } from '../../../src/adapters/aws/sqs-job-queue.js';

let emulators: Emulators;
let client: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  const created = await client.send(new CreateQueueCommand({ QueueName: 'ingest-adapter-test' }));
  // fauxqs answers with a *.localhost URL; requests go to the endpoint the client was given.
  queueUrl = created.QueueUrl ?? '';
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

describe('SqsJobQueue (fauxqs)', () => {
  it('enqueues a job message the ingest parser reads back as the same job', async () => {
    const queue = new SqsJobQueue({ queueUrl, client });
    await queue.enqueue({ tenant: 'acme', jobId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    expect(parseIngestMessages(Messages[0]?.Body ?? '')).toEqual([
      { kind: 'job', tenant: 'acme', jobId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
    ]);
  });

  it('surfaces a missing queue as an error rather than dropping the job', async () => {
    const queue = new SqsJobQueue({ queueUrl: `${queueUrl}-missing`, client });
    await expect(queue.enqueue({ tenant: 'acme', jobId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).rejects.toThrow();
  });
});
