import {
  CreateQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { MAX_SQS_DELAY_SECONDS, SqsDeliveryQueue } from '../../../src/adapters/aws/sqs-delivery-queue.js';
import type { DeliveryMessage } from '../../../src/webhooks/ports.js';

const DELIVERY_ID = 'dlv_wh_01ARZ3NDEKTSV4RRFFQ69G5FAV_evt_01ARZ3NDEKTSV4RRFFQ69G5FAW_1_completed';
let emulators: Emulators;
let client: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  queueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'webhook-deliveries' }))).QueueUrl ?? '';
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

const receive = async (): Promise<Message[]> =>
  (
    await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    )
  ).Messages ?? [];

describe('SqsDeliveryQueue (fauxqs)', () => {
  it('sends the DeliveryMessage as the JSON body, at once when no delay is asked', async () => {
    const queue = new SqsDeliveryQueue({ queueUrl, client });
    const message: DeliveryMessage = { tenant: 'acme', deliveryId: DELIVERY_ID, attempt: 1 };
    await queue.send(message);
    const received = await receive();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.Body ?? '')).toEqual(message);
  });

  it('delays by DelaySeconds (capped at 900 s), adding notBefore past the cap', async () => {
    const send = vi.spyOn(client, 'send');
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const queue = new SqsDeliveryQueue({ queueUrl, client, now: () => now });
    try {
      await queue.send({ tenant: 'acme', deliveryId: DELIVERY_ID, attempt: 2 }, 30.2);
      await queue.send({ tenant: 'acme', deliveryId: DELIVERY_ID, attempt: 3 }, 3600);
      await queue.send(
        { tenant: 'acme', deliveryId: DELIVERY_ID, attempt: 4, notBefore: '2030-01-02T00:00:00.000Z' },
        7200,
      );
      const inputs = send.mock.calls.map(([command]) => (command as SendMessageCommand).input);
      expect(inputs.map((i) => i.DelaySeconds)).toEqual([31, MAX_SQS_DELAY_SECONDS, MAX_SQS_DELAY_SECONDS]);
      expect(inputs.map((i) => JSON.parse(i.MessageBody ?? '').notBefore)).toEqual([
        undefined,
        '2030-01-01T01:00:00.000Z',
        '2030-01-02T00:00:00.000Z',
      ]);
    } finally {
      send.mockRestore();
    }
    // Delayed messages are not visible yet.
    expect(await receive()).toEqual([]);
  });

  it('surfaces a missing queue as an error rather than dropping the delivery', async () => {
    const queue = new SqsDeliveryQueue({ queueUrl: `${queueUrl}-missing`, client });
    await expect(queue.send({ tenant: 'acme', deliveryId: DELIVERY_ID, attempt: 1 })).rejects.toThrow();
  });
});
