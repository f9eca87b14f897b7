/**
 * The webhook fan-out and dispatcher use cases on the real stores (dynalite) against local receivers:
 * attempts recorded, the retry policy followed (delays skipped with a fake clock), dead-lettering,
 * endpoint disabling, replay, and signatures checked by the `standardwebhooks` reference library.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { monotonicFactory } from 'ulid';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbDeliveryStore } from '../../src/adapters/aws/dynamodb-delivery-store.js';
import { DynamoDbWebhookEndpointStore } from '../../src/adapters/aws/dynamodb-webhook-endpoint-store.js';
import type { DeliveryMessage, WebhookEndpoint } from '../../src/webhooks/ports.js';
import { AesGcmSecretCipher, generateWebhookSecret } from '../../src/webhooks/secrets.js';
import { sendWebhook } from '../../src/webhooks/sender.js';
import { rotateSecrets } from '../../src/webhooks/signing.js';
import { type DispatchDeps, dispatchDelivery } from '../../src/webhooks/webhook-dispatch.js';
import { WebhookFanout } from '../../src/webhooks/webhook-fanout.js';
import { createJobsTable } from '../support/jobs-table.js';
import { testBytes } from '../support/seed.js';
import { closeReceivers, type Receiver, receiver, reply } from '../support/webhook-receiver.js';

const TABLE = 'webhook-dispatch-test';
const nextId = monotonicFactory();
let emulators: Emulators;
let endpoints: DynamoDbWebhookEndpointStore;
let deliveries: DynamoDbDeliveryStore;
/** Starts at real time (receivers check timestamps within 5 min); deferrals move it forward. */
let clock = Date.now();
const queued: DeliveryMessage[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
  const client = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  await createJobsTable(client, TABLE);
  const cipher = new AesGcmSecretCipher(testBytes(32, 'webhook-dispatch-1'));
  endpoints = new DynamoDbWebhookEndpointStore({ tableName: TABLE, client, cipher });
  deliveries = new DynamoDbDeliveryStore({ tableName: TABLE, client });
});
afterAll(async () => emulators?.stop());
beforeEach(() => {
  clock = Date.now();
});
afterEach(async () => {
  queued.length = 0;
  await closeReceivers();
});

const fanout = () =>
  new WebhookFanout({
    endpoints,
    deliveries,
    queue: { send: async (message) => void queued.push(message) },
    now: () => clock,
    endpointCacheMs: 0,
  });

const deps = (overrides: Partial<DispatchDeps> = {}): DispatchDeps => ({
  deliveries,
  endpoints,
  send: sendWebhook,
  stage: 'local',
  timeoutMs: 800,
  now: () => clock,
  random: () => 0.5,
  ...overrides,
});

async function endpointFor(tenant: string, url: string, eventTypes: WebhookEndpoint['eventTypes'] = []) {
  const stamp = new Date(clock).toISOString();
  const endpoint: WebhookEndpoint = {
    tenant,
    endpointId: `wh_${nextId()}`,
    url,
    eventTypes,
    status: 'ACTIVE',
    secrets: [{ secret: generateWebhookSecret(), createdAt: stamp }],
    createdAt: stamp,
    updatedAt: stamp,
  };
  await endpoints.create(endpoint);
  return endpoint;
}

function busEvent(tenant: string, type = 'media.job.completed') {
  const eventId = `evt_${nextId()}_1_${type.split('.').pop()}`;
  return {
    version: '0',
    source: 'media-pipeline',
    'detail-type': type,
    detail: { version: '1', eventId, tenant, occurredAt: new Date(clock).toISOString(), job: { id: 'j' } },
  };
}

/** Runs the message to the end the way the queue would, moving the clock over every deferral. */
async function drive(message: DeliveryMessage, d = deps()) {
  for (let loop = 0; loop < 40; loop++) {
    const outcome = await dispatchDelivery(d, message);
    if (outcome.result === 'done') return outcome;
    clock += outcome.seconds * 1000;
  }
  throw new Error('delivery did not finish in 40 loops');
}

const verifies = (endpoint: WebhookEndpoint, request: Receiver['requests'][number]) =>
  new Webhook(endpoint.secrets[0]?.secret as string).verify(request.body, request.headers);

describe('fan-out', () => {
  it('creates one delivery per interested active endpoint, once, however often the event arrives', async () => {
    const tenant = `t${nextId()}`;
    const all = await endpointFor(tenant, 'http://localhost:1/a');
    const failedOnly = await endpointFor(tenant, 'http://localhost:1/b', ['media.job.failed']);
    await endpointFor(`other${nextId()}`, 'http://localhost:1/c');
    const event = busEvent(tenant);
    const first = await fanout().handle(event);
    expect(first).toMatchObject({ result: 'fanned-out', queued: 1, alreadyQueued: 0 });
    expect(queued.map((m) => m.deliveryId)).toEqual([`dlv_${all.endpointId}_${event.detail.eventId}`]);
    // The same event again before any attempt: queued again (a crash may have lost the first message).
    expect(await fanout().handle(event)).toMatchObject({ queued: 1 });
    const { deliveries: listed } = await deliveries.list(tenant, all.endpointId, { limit: 10 });
    expect(listed).toHaveLength(1);
    expect(JSON.parse(listed[0]?.body as string)).toMatchObject({
      type: 'media.job.completed',
      data: { eventId: event.detail.eventId, tenant },
    });
    // Once attempted, a republished event is not delivered again.
    await drive(queued[0] as DeliveryMessage, deps({ send: async () => ({ status: 200, durationMs: 1 }) }));
    expect(await fanout().handle(event)).toMatchObject({ queued: 0, alreadyQueued: 1 });
    expect((await deliveries.list(tenant, failedOnly.endpointId, { limit: 10 })).deliveries).toHaveLength(0);
  });

  it('routes without decrypting secrets: an endpoint whose secret cannot be decrypted does not block it', async () => {
    const tenant = `t${nextId()}`;
    const endpoint = await endpointFor(tenant, 'http://localhost:1/a');
    // The same table read with another key: every secret is undecryptable (as with a KMS outage).
    const otherKey = new DynamoDbWebhookEndpointStore({
      tableName: TABLE,
      client: new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 }),
      cipher: new AesGcmSecretCipher(testBytes(32, 'webhook-dispatch-2')),
    });
    await expect(otherKey.list(tenant)).rejects.toThrow();
    const routed = await new WebhookFanout({
      endpoints: otherKey,
      deliveries,
      queue: { send: async (message) => void queued.push(message) },
    }).handle(busEvent(tenant));
    expect(routed).toMatchObject({ result: 'fanned-out', queued: 1 });
    expect(queued[0]?.deliveryId).toContain(endpoint.endpointId);
  });

  it('drops what is not a pipeline event without touching anything', async () => {
    expect(await fanout().handle({ source: 'aws.s3', 'detail-type': 'x', detail: {} })).toMatchObject({
      result: 'invalid',
    });
    expect(await fanout().handle({ ...busEvent('t'), 'detail-type': 'media.job.exploded' })).toMatchObject({
      result: 'invalid',
    });
    expect(queued).toHaveLength(0);
  });
});

describe('dispatch', () => {
  it('503 for the first 3 attempts, then 200: delivered on attempt 4, attempts recorded, same id', async () => {
    const target = await receiver((req, res, n) => reply(n <= 3 ? 503 : 200)(req, res, n));
    const tenant = `t${nextId()}`;
    const endpoint = await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const outcome = await drive(queued[0] as DeliveryMessage);
    expect(outcome.delivery).toMatchObject({ status: 'DELIVERED', attemptsMade: 4 });
    expect(outcome.delivery?.attempts.map((a) => a.status)).toEqual([503, 503, 503, 200]);
    expect(target.requests).toHaveLength(4);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const request of target.requests)
      expect(verifies(endpoint, request)).toMatchObject({ type: 'media.job.completed' });
  });

  it('404: one attempt, dead-lettered; a replay starts a new cycle and delivers, history kept', async () => {
    let status = 404;
    const target = await receiver((req, res, n) => reply(status)(req, res, n));
    const tenant = `t${nextId()}`;
    await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const message = queued[0] as DeliveryMessage;
    const dead = await drive(message);
    expect(dead.delivery).toMatchObject({ status: 'DEAD_LETTERED', attemptsMade: 1 });
    expect(target.requests).toHaveLength(1);
    status = 200;
    await deliveries.restart(tenant, message.deliveryId, new Date(clock).toISOString());
    const replayed = await drive(message);
    expect(replayed.delivery).toMatchObject({ status: 'DELIVERED', attemptsMade: 1 });
    expect(replayed.delivery?.attempts.map((a) => a.status)).toEqual([404, 200]);
    expect(target.requests[1]?.headers['webhook-id']).toBe(target.requests[0]?.headers['webhook-id']);
  });

  it('410: the endpoint is disabled, the delivery dead-lettered, and later events skip it', async () => {
    const target = await receiver(reply(410));
    const tenant = `t${nextId()}`;
    const endpoint = await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const outcome = await drive(queued[0] as DeliveryMessage);
    expect(outcome.delivery?.status).toBe('DEAD_LETTERED');
    expect(await endpoints.get(tenant, endpoint.endpointId)).toMatchObject({ status: 'DISABLED' });
    expect(await fanout().handle(busEvent(tenant))).toMatchObject({ queued: 0 });
  });

  it('a receiver that sleeps past the timeout is retried; it sees the same webhook-id twice', async () => {
    const target = await receiver((req, res, n) => {
      if (n === 1) setTimeout(() => reply(200)(req, res, n), 1500);
      else reply(200)(req, res, n);
    });
    const tenant = `t${nextId()}`;
    await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const outcome = await drive(queued[0] as DeliveryMessage);
    expect(outcome.delivery).toMatchObject({ status: 'DELIVERED', attemptsMade: 2 });
    expect(outcome.delivery?.attempts[0]).toMatchObject({ status: 0, errorKind: 'timeout' });
    expect(target.requests.map((r) => r.headers['webhook-id'])).toEqual([
      target.requests[0]?.headers['webhook-id'],
      target.requests[0]?.headers['webhook-id'],
    ]);
  });

  it('an attempt is made once when two dispatchers get the same message at once', async () => {
    const target = await receiver((req, res, n) => setTimeout(() => reply(200)(req, res, n), 100));
    const tenant = `t${nextId()}`;
    await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const message = queued[0] as DeliveryMessage;
    const outcomes = await Promise.all([
      dispatchDelivery(deps(), message),
      dispatchDelivery(deps(), message),
    ]);
    expect(outcomes.map((o) => o.reason).sort()).toEqual([
      'attempt taken by another dispatcher',
      'delivered',
    ]);
    expect(target.requests).toHaveLength(1);
    // The loser keeps its message (it may be the delivery's only driver) and finds nothing to do later.
    expect(outcomes.find((o) => o.reason !== 'delivered')).toMatchObject({ result: 'later', seconds: 1 });
    expect(await dispatchDelivery(deps(), message)).toMatchObject({
      result: 'done',
      reason: 'delivery is DELIVERED',
    });
  });

  it('a refused URL (private address in a cloud stage) is dead-lettered without a connection', async () => {
    const target = await receiver(reply(200));
    const tenant = `t${nextId()}`;
    await endpointFor(tenant, target.url);
    await fanout().handle(busEvent(tenant));
    const outcome = await drive(queued[0] as DeliveryMessage, deps({ stage: 'prod' }));
    expect(outcome.delivery).toMatchObject({ status: 'DEAD_LETTERED' });
    expect(outcome.delivery?.attempts[0]?.errorKind).toBe('refused');
    expect(target.connections).toBe(0);
  });

  it('during a rotation overlap both signatures are sent and each secret verifies', async () => {
    const target = await receiver(reply(204));
    const tenant = `t${nextId()}`;
    const endpoint = await endpointFor(tenant, target.url);
    const oldSecret = endpoint.secrets[0]?.secret as string;
    const newSecret = generateWebhookSecret();
    const rotated = rotateSecrets(endpoint.secrets, newSecret, new Date(clock), 3600);
    await endpoints.putSecrets(tenant, endpoint.endpointId, rotated, new Date(clock).toISOString());
    await fanout().handle(busEvent(tenant));
    await drive(queued[0] as DeliveryMessage);
    const request = target.requests[0] as Receiver['requests'][number];
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret])
      expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(request.body, request.headers)).toThrow();
  });

  it('a deleted endpoint dead-letters its pending delivery', async () => {
    const tenant = `t${nextId()}`;
    const endpoint = await endpointFor(tenant, 'http://localhost:1/gone');
    await fanout().handle(busEvent(tenant));
    await endpoints.delete(tenant, endpoint.endpointId);
    const outcome = await drive(queued[0] as DeliveryMessage);
    expect(outcome.delivery).toMatchObject({ status: 'DEAD_LETTERED', lastError: 'endpoint deleted' });
  });
});
