import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { monotonicFactory } from 'ulid';
import { startEmulators } from '../local/emulators.js';
import { DynamoDbDeliveryStore } from '../src/adapters/aws/dynamodb-delivery-store.js';
import { DynamoDbWebhookEndpointStore } from '../src/adapters/aws/dynamodb-webhook-endpoint-store.js';
import type { DeliveryMessage, WebhookEndpoint } from '../src/webhooks/ports.js';
import { AesGcmSecretCipher, generateWebhookSecret } from '../src/webhooks/secrets.js';
import { sendWebhook } from '../src/webhooks/sender.js';
import { signWebhook } from '../src/webhooks/signing.js';
import { dispatchDelivery } from '../src/webhooks/webhook-dispatch.js';
import { WebhookFanout } from '../src/webhooks/webhook-fanout.js';
import { createJobsTable } from '../test/support/jobs-table.js';
import { closeReceivers, receiver, reply } from '../test/support/webhook-receiver.js';

/**
 * `npm run bench -- webhooks`, in one run:
 * 1. Signing cost per delivery: Standard Webhooks HMAC-SHA256 over a ~1 KB body, with 1 secret and with
 *    2 (a rotation overlap), µs per signature set.
 * 2. Dispatcher throughput to a local receiver (node:http, 204), deliveries/s at 1, 4 and 16 in flight:
 *    (a) send only: sign + SSRF-checked POST; (b) the whole dispatch use case on the real stores
 *    (dynalite): read, take the attempt, sign, send, record. (b)/(a) is the bookkeeping's share.
 */
const DELIVERIES = 600;
const nextId = monotonicFactory();

export async function run(): Promise<void> {
  const body = JSON.stringify({
    type: 'media.job.completed',
    timestamp: new Date().toISOString(),
    data: { pad: 'x'.repeat(900) },
  });
  const secrets = [generateWebhookSecret(), generateWebhookSecret()];
  for (const count of [1, 2]) {
    const n = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) signWebhook({ id: `evt_${i}`, body, secrets: secrets.slice(0, count) });
    const us = Number(process.hrtime.bigint() - start) / 1000 / n;
    console.log(`signing, ${count} secret(s): ${us.toFixed(1)} µs per delivery (${body.length} B body)`);
  }

  const target = await receiver(reply(204));
  const emulators = await startEmulators();
  const client = new DynamoDBClient({
    endpoint: emulators.dynamodb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  await createJobsTable(client, 'bench-webhooks');
  const endpoints = new DynamoDbWebhookEndpointStore({
    tableName: 'bench-webhooks',
    client,
    cipher: new AesGcmSecretCipher(randomBytes(32)),
  });
  const deliveries = new DynamoDbDeliveryStore({ tableName: 'bench-webhooks', client });
  const tenant = 'bench';
  const stamp = new Date().toISOString();
  const endpoint: WebhookEndpoint = {
    tenant,
    endpointId: `wh_${nextId()}`,
    url: target.url,
    eventTypes: [],
    status: 'ACTIVE',
    secrets: [{ secret: secrets[0] as string, createdAt: stamp }],
    createdAt: stamp,
    updatedAt: stamp,
  };
  await endpoints.create(endpoint);

  try {
    for (const inFlight of [1, 4, 16]) {
      const sendOnly = await timed(DELIVERIES, inFlight, async (i) => {
        const headers = signWebhook({ id: `evt_${i}`, body, secrets: [secrets[0] as string] });
        const result = await sendWebhook(
          target.url,
          { ...headers, 'content-type': 'application/json' },
          body,
          {
            stage: 'local',
          },
        );
        if (result.status !== 204) throw new Error(`HTTP ${result.status}`);
      });
      const messages: DeliveryMessage[] = [];
      const fanout = new WebhookFanout({
        endpoints,
        deliveries,
        queue: { send: async (m) => void messages.push(m) },
      });
      for (let i = 0; i < DELIVERIES; i++) {
        await fanout.handle({
          source: 'media-pipeline',
          'detail-type': 'media.job.completed',
          detail: { eventId: `evt_${nextId()}_1_completed`, tenant, occurredAt: stamp, pad: 'x'.repeat(900) },
        });
      }
      const full = await timed(messages.length, inFlight, async (i) => {
        const outcome = await dispatchDelivery(
          { deliveries, endpoints, send: sendWebhook, stage: 'local' },
          messages[i] as DeliveryMessage,
        );
        if (outcome.result !== 'done' || outcome.delivery?.status !== 'DELIVERED')
          throw new Error(outcome.reason);
      });
      console.log(
        `${inFlight} in flight: send only ${sendOnly.toFixed(0)} deliveries/s; full dispatch (dynalite) ${full.toFixed(0)}/s; ratio full/send-only throughput ${(full / sendOnly).toFixed(2)}x`,
      );
    }
  } finally {
    await closeReceivers();
    client.destroy();
    await emulators.stop();
  }
}

/** Runs `count` tasks with `inFlight` at a time; returns tasks per second. */
async function timed(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}
