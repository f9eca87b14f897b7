import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbDeliveryStore } from '../../src/adapters/aws/dynamodb-delivery-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbReconcileIndex } from '../../src/adapters/aws/dynamodb-reconcile-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SqsDeliveryQueue } from '../../src/adapters/aws/sqs-delivery-queue.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import { type ReconcilerDeps, reconcile, reconcileDelivery } from '../../src/reconciler/reconciler.js';
import { RECONCILE_DELAYS } from '../../src/reconciler/schedule.js';
import {
  type Delivery,
  type DeliveryAttempt,
  type DeliveryMessage,
  deliveryIdFor,
} from '../../src/webhooks/ports.js';
import { createJobsTable } from '../support/jobs-table.js';

// The webhook delivery rule over the real adapters: deliveries share the jobs table's ReconcileDue index.
const TABLE = 'reconciler-deliveries-test';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let clock = T0;
const iso = (ms = clock) => new Date(ms).toISOString();
let emulators: Emulators;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let deliveries: DynamoDbDeliveryStore;
let index: DynamoDbReconcileIndex;
let deliveryQueueUrl: string;
let deps: ReconcilerDeps;

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  sqs = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  deliveryQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'reconcile-deliveries' })))
    .QueueUrl as string;
  const jobQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'reconcile-jobs' })))
    .QueueUrl as string;
  deliveries = new DynamoDbDeliveryStore({ tableName: TABLE, client: dynamo });
  index = new DynamoDbReconcileIndex({ tableName: TABLE, client: dynamo });
  deps = {
    index,
    jobs: new DynamoDbJobStore({ tableName: TABLE, client: dynamo, now: () => clock }),
    queue: new SqsJobQueue({
      queueUrls: { urgent: jobQueueUrl, high: jobQueueUrl, normal: jobQueueUrl, low: jobQueueUrl },
      client: sqs,
    }),
    // No job is due in these tests: the job rules' S3 port is never called.
    objects: new S3ObjectStore(),
    outputsBucket: 'unused',
    uploadUrlTtlSeconds: 900,
    deliveryQueue: new SqsDeliveryQueue({ queueUrl: deliveryQueueUrl, client: sqs, now: () => clock }),
    now: () => clock,
  };
});

afterAll(async () => {
  dynamo?.destroy();
  sqs?.destroy();
  await emulators?.stop();
});

beforeEach(async () => {
  // A day later each test: an earlier test's deliveries are ended (below) and its messages drained.
  clock += 24 * 3600_000;
  for (const d of await pendingOnes()) {
    await deliveries.beginAttempt(d.tenant, d.deliveryId, d.attemptsMade + 1, clock + 1000, iso());
    await deliveries.finishAttempt(
      d.tenant,
      d.deliveryId,
      attempt(d.attemptsMade + 1, 200),
      { status: 'DELIVERED' },
      iso(),
    );
  }
  await messages();
});

const created: Delivery[] = [];
async function pendingOnes(): Promise<Delivery[]> {
  const left: Delivery[] = [];
  for (const d of created) {
    const stored = await deliveries.get(d.tenant, d.deliveryId);
    if (stored?.status === 'PENDING') left.push(stored);
  }
  return left;
}

async function newDelivery(): Promise<Delivery> {
  const endpointId = `wh_${ulid(clock)}`;
  const eventId = `evt_${ulid(clock)}`;
  const delivery: Delivery = {
    tenant: 'acme',
    deliveryId: deliveryIdFor(endpointId, eventId),
    endpointId,
    eventId,
    eventType: 'media.job.completed',
    body: '{}',
    status: 'PENDING',
    attemptsMade: 0,
    attempts: [],
    createdAt: iso(),
    updatedAt: iso(),
  };
  const { created: isNew } = await deliveries.createOnce(delivery);
  expect(isNew).toBe(true);
  created.push(delivery);
  return delivery;
}

/** The delivery messages waiting on the queue (received, so they are consumed). */
async function messages(): Promise<DeliveryMessage[]> {
  const found: DeliveryMessage[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deliveryQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!out.Messages?.length) return found;
    for (const m of out.Messages) found.push(JSON.parse(m.Body as string));
  }
}

const attempt = (n: number, status: number): DeliveryAttempt => ({
  attempt: n,
  at: iso(),
  status,
  durationMs: 5,
});

describe('reconciler: webhook deliveries whose message was lost', () => {
  it('re-sends a PENDING delivery whose first message never came (fan-out died after creating it)', async () => {
    const delivery = await newDelivery();
    expect((await reconcile(deps)).examined).toBe(0);
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'delivery-requeued': 1 });
    expect(await messages()).toEqual([{ tenant: 'acme', deliveryId: delivery.deliveryId, attempt: 1 }]);
    // Postponed with backoff: the next pass does not send it again.
    expect((await reconcile(deps)).examined).toBe(0);
    clock += 2 * RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'delivery-requeued': 1 });
    expect(await messages()).toHaveLength(1);
  });

  it('leaves an attempt in flight alone until its lease expires, then re-sends that attempt', async () => {
    const delivery = await newDelivery();
    const leaseUntil = clock + 120_000;
    expect(await deliveries.beginAttempt('acme', delivery.deliveryId, 1, leaseUntil, iso())).toBeDefined();
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).examined).toBe(0);
    clock = leaseUntil + RECONCILE_DELAYS.leaseGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'delivery-requeued': 1 });
    const [message] = await messages();
    expect(message).toMatchObject({ deliveryId: delivery.deliveryId, attempt: 1 });
    // The dispatcher can take the expired attempt over with that message.
    expect(
      await deliveries.beginAttempt('acme', delivery.deliveryId, 1, clock + 30_000, iso()),
    ).toBeDefined();
  });

  it('waits for a scheduled retry, then re-sends it with its notBefore if its message was lost', async () => {
    const delivery = await newDelivery();
    await deliveries.beginAttempt('acme', delivery.deliveryId, 1, clock + 30_000, iso());
    const retryAt = iso(clock + 10 * 60_000);
    await deliveries.finishAttempt(
      'acme',
      delivery.deliveryId,
      attempt(1, 503),
      { status: 'PENDING', nextAttemptAt: retryAt, lastError: 'HTTP 503' },
      iso(),
    );
    clock += 10 * 60_000;
    expect((await reconcile(deps)).examined).toBe(0);
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'delivery-requeued': 1 });
    expect(await messages()).toEqual([
      { tenant: 'acme', deliveryId: delivery.deliveryId, attempt: 2, notBefore: retryAt },
    ]);
  });

  it('forgets delivered and dead-lettered deliveries, and a replay puts one back', async () => {
    const delivered = await newDelivery();
    const dead = await newDelivery();
    for (const [d, decision] of [
      [delivered, { status: 'DELIVERED' }],
      [dead, { status: 'DEAD_LETTERED', lastError: 'HTTP 410' }],
    ] as const) {
      await deliveries.beginAttempt('acme', d.deliveryId, 1, clock + 30_000, iso());
      await deliveries.finishAttempt('acme', d.deliveryId, attempt(1, 200), decision, iso());
    }
    clock += 24 * 3600_000;
    const before = index.usage.reads;
    expect((await reconcile(deps)).examined).toBe(0);
    expect(index.usage.reads).toBe(before);
    await deliveries.restart('acme', dead.deliveryId, iso());
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'delivery-requeued': 1 });
    expect(await messages()).toEqual([{ tenant: 'acme', deliveryId: dead.deliveryId, attempt: 1 }]);
  });

  it('ignores an index time a newer write replaced (a race with the dispatcher)', async () => {
    const delivery = await newDelivery();
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    const [due] = (await Promise.all(index.shards.map((s) => index.due(s, clock, 10)))).flat();
    expect(due).toMatchObject({ kind: 'delivery', deliveryId: delivery.deliveryId });
    await deliveries.beginAttempt('acme', delivery.deliveryId, 1, clock + 30_000, iso());
    if (due?.kind !== 'delivery') throw new Error('expected the delivery to be due');
    expect(await reconcileDelivery(deps, due, clock)).toBe('moved');
    expect(await messages()).toEqual([]);
  });
});
