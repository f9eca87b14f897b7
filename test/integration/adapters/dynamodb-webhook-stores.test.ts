import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { documentClientFor } from '../../../src/adapters/aws/clients.js';
import {
  DynamoDbDeliveryStore,
  MAX_ATTEMPTS_KEPT,
} from '../../../src/adapters/aws/dynamodb-delivery-store.js';
import { InvalidCursorError } from '../../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbWebhookEndpointStore } from '../../../src/adapters/aws/dynamodb-webhook-stores.js';
import { ConditionFailedError } from '../../../src/core/ports.js';
import {
  type Delivery,
  type DeliveryAttempt,
  deliveryIdFor,
  type WebhookEndpoint,
} from '../../../src/webhooks/ports.js';
import { AesGcmSecretCipher, generateWebhookSecret } from '../../../src/webhooks/secrets.js';
import { createJobsTable } from '../../support/jobs-table.js';
import { testBytes } from '../../support/seed.js';

const TABLE = 'webhook-stores-test';
const nextId = monotonicFactory();
const cipher = new AesGcmSecretCipher(testBytes(32, 'dynamodb-webhook-stores-1'));
let emulators: Emulators;
let client: DynamoDBClient;
/** Raw item access, past the stores. */
let raw: DynamoDBDocumentClient;
let endpoints: DynamoDbWebhookEndpointStore;
let deliveries: DynamoDbDeliveryStore;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  raw = documentClientFor(client);
  await createJobsTable(client, TABLE);
  endpoints = new DynamoDbWebhookEndpointStore({ tableName: TABLE, client, cipher });
  deliveries = new DynamoDbDeliveryStore({ tableName: TABLE, client });
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function makeEndpoint(tenant: string, overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  const createdAt = iso(T0);
  return {
    tenant,
    endpointId: `wh_${nextId()}`,
    url: 'https://hooks.example.com/media',
    eventTypes: ['media.job.completed', 'media.job.failed'],
    description: 'test endpoint',
    status: 'ACTIVE',
    secrets: [{ secret: generateWebhookSecret(), createdAt }],
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await raw.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }));
  return out.Item;
}

function makeDelivery(tenant: string, endpointId: string, eventId = `evt_${nextId()}_1_completed`): Delivery {
  return {
    tenant,
    deliveryId: deliveryIdFor(endpointId, eventId),
    endpointId,
    eventId,
    eventType: 'media.job.completed',
    body: JSON.stringify({ type: 'media.job.completed', eventId }),
    status: 'PENDING',
    attemptsMade: 0,
    attempts: [],
    createdAt: iso(T0),
    updatedAt: iso(T0),
  };
}

async function createdDelivery(tenant = 'acme', endpointId = `wh_${nextId()}`, eventId?: string) {
  const delivery = makeDelivery(tenant, endpointId, eventId);
  expect((await deliveries.createOnce(delivery)).created).toBe(true);
  return delivery;
}

const attemptRecord = (attempt: number, status = 503, at = T0): DeliveryAttempt => ({
  attempt,
  at: iso(at),
  status,
  durationMs: 12,
  ...(status >= 200 && status < 300 ? {} : { error: `HTTP ${status}` }),
});

describe('DynamoDbWebhookEndpointStore', () => {
  it('round-trips an endpoint; the item has the single-table keys and no plaintext secret', async () => {
    const endpoint = makeEndpoint('acme');
    await endpoints.create(endpoint);
    expect(await endpoints.get('acme', endpoint.endpointId)).toEqual(endpoint);

    const item = await rawItem('TENANT#acme', `WEBHOOK#${endpoint.endpointId}`);
    expect(item).toBeDefined();
    const secret = endpoint.secrets[0]?.secret as string;
    const text = JSON.stringify(item);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('whsec_'.length));
    expect(text).not.toContain('whsec_');
    expect(item?.secrets).toEqual([{ ciphertext: expect.stringMatching(/^gcm1\./), createdAt: iso(T0) }]);
  });

  it('refuses a second create with the same id, and leaves the first untouched', async () => {
    const endpoint = makeEndpoint('acme');
    await endpoints.create(endpoint);
    await expect(endpoints.create({ ...endpoint, url: 'https://evil.example.com/' })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect((await endpoints.get('acme', endpoint.endpointId))?.url).toBe(endpoint.url);
  });

  it('binds each ciphertext to its tenant and endpoint: a copied secret does not decrypt', async () => {
    const victim = makeEndpoint('victim');
    const thief = makeEndpoint('thief');
    await endpoints.create(victim);
    await endpoints.create(thief);
    const stolen = await rawItem('TENANT#victim', `WEBHOOK#${victim.endpointId}`);
    const target = await rawItem('TENANT#thief', `WEBHOOK#${thief.endpointId}`);
    await raw.send(new PutCommand({ TableName: TABLE, Item: { ...target, secrets: stolen?.secrets } }));
    await expect(endpoints.get('thief', thief.endpointId)).rejects.toThrow();
  });

  it('keeps tenants apart: get, list and delete see only the tenant’s endpoints', async () => {
    const mine = makeEndpoint('iso-a');
    const theirs = makeEndpoint('iso-b');
    await endpoints.create(mine);
    await endpoints.create(theirs);
    expect(await endpoints.get('iso-a', theirs.endpointId)).toBeUndefined();
    expect((await endpoints.list('iso-a')).map((e) => e.endpointId)).toEqual([mine.endpointId]);
    expect(await endpoints.delete('iso-a', theirs.endpointId)).toBe(false);
    expect(await endpoints.get('iso-b', theirs.endpointId)).toBeDefined();
  });

  it('lists in creation order without the tenant’s jobs, deliveries or other records', async () => {
    const tenant = 'lister';
    const created = [makeEndpoint(tenant), makeEndpoint(tenant), makeEndpoint(tenant, { eventTypes: [] })];
    for (const e of created) await endpoints.create(e);
    await createdDelivery(tenant, created[0]?.endpointId);
    expect(await endpoints.list(tenant)).toEqual(created);
    expect(await endpoints.list('nobody')).toEqual([]);
  });

  it('deletes once', async () => {
    const endpoint = makeEndpoint('acme');
    await endpoints.create(endpoint);
    expect(await endpoints.delete('acme', endpoint.endpointId)).toBe(true);
    expect(await endpoints.delete('acme', endpoint.endpointId)).toBe(false);
    expect(await endpoints.get('acme', endpoint.endpointId)).toBeUndefined();
  });

  it('replaces secrets (encrypted), optionally only while updatedAt is unchanged', async () => {
    const endpoint = makeEndpoint('acme');
    await endpoints.create(endpoint);
    const rotated = [
      { secret: generateWebhookSecret(), createdAt: iso(T0 + 1000) },
      { ...(endpoint.secrets[0] as { secret: string; createdAt: string }), expiresAt: iso(T0 + 86_400_000) },
    ];
    await endpoints.putSecrets('acme', endpoint.endpointId, rotated, iso(T0 + 1000), {
      ifUpdatedAt: endpoint.updatedAt,
    });
    const stored = await endpoints.get('acme', endpoint.endpointId);
    expect(stored?.secrets).toEqual(rotated);
    expect(stored?.updatedAt).toBe(iso(T0 + 1000));
    expect(JSON.stringify(await rawItem('TENANT#acme', `WEBHOOK#${endpoint.endpointId}`))).not.toContain(
      rotated[0]?.secret,
    );

    // A second rotation that read the old updatedAt loses: its secret is never stored.
    await expect(
      endpoints.putSecrets('acme', endpoint.endpointId, [], iso(T0 + 2000), {
        ifUpdatedAt: endpoint.updatedAt,
      }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await endpoints.get('acme', endpoint.endpointId))?.secrets).toEqual(rotated);
    // A missing endpoint is never created by a rotation.
    await expect(endpoints.putSecrets('acme', `wh_${nextId()}`, rotated, iso(T0))).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
  });

  it('sets and clears the status and reason; a deleted endpoint stays deleted', async () => {
    const endpoint = makeEndpoint('acme');
    await endpoints.create(endpoint);
    await endpoints.setStatus('acme', endpoint.endpointId, 'DISABLED', 'HTTP 410 Gone', iso(T0 + 5));
    expect(await endpoints.get('acme', endpoint.endpointId)).toMatchObject({
      status: 'DISABLED',
      disabledReason: 'HTTP 410 Gone',
      updatedAt: iso(T0 + 5),
    });
    await endpoints.setStatus('acme', endpoint.endpointId, 'ACTIVE', undefined, iso(T0 + 6));
    const active = await endpoints.get('acme', endpoint.endpointId);
    expect(active?.status).toBe('ACTIVE');
    expect(active).not.toHaveProperty('disabledReason');

    const gone = `wh_${nextId()}`;
    await endpoints.setStatus('acme', gone, 'DISABLED', 'HTTP 410 Gone', iso(T0));
    expect(await rawItem('TENANT#acme', `WEBHOOK#${gone}`)).toBeUndefined();
  });
});

describe('DynamoDbDeliveryStore: createOnce and get', () => {
  it('creates once under DELIVERY#{endpointId}#{eventId}; the second create returns the stored one', async () => {
    const delivery = await createdDelivery();
    const again = await deliveries.createOnce({ ...delivery, body: 'other', status: 'DELIVERED' });
    expect(again).toEqual({ delivery, created: false });
    const item = await rawItem('TENANT#acme', `DELIVERY#${delivery.endpointId}#${delivery.eventId}`);
    expect(item?.deliveryId).toBe(delivery.deliveryId);
    expect(await deliveries.get('acme', delivery.deliveryId)).toEqual(delivery);
  });

  it('refuses a delivery whose id does not match its endpoint and event', async () => {
    const delivery = makeDelivery('acme', `wh_${nextId()}`);
    await expect(deliveries.createOnce({ ...delivery, eventId: 'evt_other' })).rejects.toThrow(TypeError);
  });

  it('never returns another tenant’s delivery; malformed ids are simply unknown', async () => {
    const delivery = await createdDelivery('iso-a');
    expect(await deliveries.get('iso-b', delivery.deliveryId)).toBeUndefined();
    expect(await deliveries.get('iso-a', 'dlv_nonsense')).toBeUndefined();
    expect(await deliveries.restart('iso-b', delivery.deliveryId, iso(T0))).toBeUndefined();
    expect(
      await deliveries.beginAttempt('iso-b', delivery.deliveryId, 1, T0 + 60_000, iso(T0)),
    ).toBeUndefined();
    expect(
      await rawItem('TENANT#iso-b', `DELIVERY#${delivery.endpointId}#${delivery.eventId}`),
    ).toBeUndefined();
  });
});

describe('DynamoDbDeliveryStore: attempts', () => {
  it('lets exactly one of two concurrent beginAttempt calls take the attempt', async () => {
    const { deliveryId } = await createdDelivery();
    const results = await Promise.all([
      deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0)),
      deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const taken = results.find(Boolean);
    expect(taken).toMatchObject({ inFlightAttempt: 1, leaseUntil: T0 + 60_000, cycleStartedAt: iso(T0) });
  });

  it('refuses the wrong attempt number and a live lease; takes over an expired lease', async () => {
    const { deliveryId } = await createdDelivery();
    expect(await deliveries.beginAttempt('acme', deliveryId, 2, T0 + 60_000, iso(T0))).toBeUndefined();
    expect(await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0))).toBeDefined();
    // Lease live until T0 + 60 s.
    expect(
      await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 90_000, iso(T0 + 59_999)),
    ).toBeUndefined();
    const takeover = await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 120_000, iso(T0 + 60_000));
    expect(takeover).toMatchObject({ inFlightAttempt: 1, leaseUntil: T0 + 120_000, attemptsMade: 0 });
    // The retry window still counts from the first attempt's start.
    expect(takeover?.cycleStartedAt).toBe(iso(T0));
  });

  it('finishAttempt → PENDING: records the attempt, counts it, clears the lease, schedules the next', async () => {
    const { deliveryId } = await createdDelivery();
    await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0));
    const after = await deliveries.finishAttempt(
      'acme',
      deliveryId,
      attemptRecord(1, 503),
      { status: 'PENDING', nextAttemptAt: iso(T0 + 30_000), lastError: 'HTTP 503' },
      iso(T0 + 100),
    );
    expect(after).toMatchObject({
      status: 'PENDING',
      attemptsMade: 1,
      nextAttemptAt: iso(T0 + 30_000),
      lastError: 'HTTP 503',
      attempts: [attemptRecord(1, 503)],
      updatedAt: iso(T0 + 100),
    });
    expect(after).not.toHaveProperty('leaseUntil');
    expect(after).not.toHaveProperty('inFlightAttempt');
    expect(await deliveries.get('acme', deliveryId)).toEqual(after);

    // The next attempt can start at once (no lease), but only as attempt 2.
    expect(await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0 + 200))).toBeUndefined();
    const second = await deliveries.beginAttempt('acme', deliveryId, 2, T0 + 90_000, iso(T0 + 30_000));
    expect(second).toMatchObject({ inFlightAttempt: 2, cycleStartedAt: iso(T0) });
    expect(second).not.toHaveProperty('nextAttemptAt');
  });

  it('finishAttempt → DELIVERED and DEAD_LETTERED are terminal for the cycle', async () => {
    const ok = await createdDelivery();
    await deliveries.beginAttempt('acme', ok.deliveryId, 1, T0 + 60_000, iso(T0));
    const delivered = await deliveries.finishAttempt(
      'acme',
      ok.deliveryId,
      attemptRecord(1, 204),
      { status: 'DELIVERED' },
      iso(T0 + 1),
    );
    expect(delivered).toMatchObject({ status: 'DELIVERED', attemptsMade: 1 });
    expect(delivered).not.toHaveProperty('nextAttemptAt');
    expect(await deliveries.beginAttempt('acme', ok.deliveryId, 2, T0 + 60_000, iso(T0 + 2))).toBeUndefined();

    const gone = await createdDelivery();
    await deliveries.beginAttempt('acme', gone.deliveryId, 1, T0 + 60_000, iso(T0));
    const dead = await deliveries.finishAttempt(
      'acme',
      gone.deliveryId,
      attemptRecord(1, 410),
      { status: 'DEAD_LETTERED', lastError: 'HTTP 410 Gone' },
      iso(T0 + 3),
    );
    expect(dead).toMatchObject({
      status: 'DEAD_LETTERED',
      deadLetteredAt: iso(T0 + 3),
      lastError: 'HTTP 410 Gone',
    });
    expect(
      await deliveries.beginAttempt('acme', gone.deliveryId, 2, T0 + 60_000, iso(T0 + 4)),
    ).toBeUndefined();
  });

  it('refuses to finish an attempt that is not in flight (never begun, or finished by a takeover)', async () => {
    const { deliveryId } = await createdDelivery();
    const pending = { status: 'PENDING' as const, nextAttemptAt: iso(T0), lastError: 'x' };
    await expect(
      deliveries.finishAttempt('acme', deliveryId, attemptRecord(1), pending, iso(T0)),
    ).rejects.toBeInstanceOf(ConditionFailedError);

    await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 1000, iso(T0));
    await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 5000, iso(T0 + 1000)); // takeover
    await deliveries.finishAttempt(
      'acme',
      deliveryId,
      attemptRecord(1, 204),
      { status: 'DELIVERED' },
      iso(T0 + 2000),
    );
    // The original dispatcher comes back late: nothing is recorded twice.
    await expect(
      deliveries.finishAttempt('acme', deliveryId, attemptRecord(1, 503), pending, iso(T0 + 3000)),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await deliveries.get('acme', deliveryId))?.attempts).toHaveLength(1);
  });

  it(`keeps only the last ${MAX_ATTEMPTS_KEPT} attempts`, async () => {
    const { deliveryId } = await createdDelivery();
    const total = MAX_ATTEMPTS_KEPT + 3;
    let last: Delivery | undefined;
    for (let n = 1; n <= total; n++) {
      expect(
        await deliveries.beginAttempt('acme', deliveryId, n, T0 + n * 1000 + 500, iso(T0 + n * 1000)),
      ).toBeDefined();
      last = await deliveries.finishAttempt(
        'acme',
        deliveryId,
        attemptRecord(n, 503, T0 + n * 1000),
        { status: 'PENDING', nextAttemptAt: iso(T0 + (n + 1) * 1000), lastError: 'HTTP 503' },
        iso(T0 + n * 1000 + 1),
      );
    }
    expect(last?.attemptsMade).toBe(total);
    const stored = await deliveries.get('acme', deliveryId);
    const numbers = stored?.attempts.map((a) => a.attempt);
    expect(numbers).toEqual(
      Array.from({ length: MAX_ATTEMPTS_KEPT }, (_, i) => total - MAX_ATTEMPTS_KEPT + 1 + i),
    );
    const item = await rawItem('TENANT#acme', `DELIVERY#${stored?.endpointId}#${stored?.eventId}`);
    expect(item?.attempts).toHaveLength(MAX_ATTEMPTS_KEPT);
  });
});

describe('DynamoDbDeliveryStore: restart', () => {
  it('starts a new cycle and keeps the history', async () => {
    const { deliveryId } = await createdDelivery();
    await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0));
    await deliveries.finishAttempt(
      'acme',
      deliveryId,
      attemptRecord(1, 404),
      { status: 'DEAD_LETTERED', lastError: 'HTTP 404' },
      iso(T0 + 1),
    );
    const restarted = await deliveries.restart('acme', deliveryId, iso(T0 + 10_000));
    expect(restarted).toMatchObject({ status: 'PENDING', attemptsMade: 0, updatedAt: iso(T0 + 10_000) });
    expect(restarted?.attempts).toEqual([attemptRecord(1, 404)]);
    for (const gone of [
      'deadLetteredAt',
      'cycleStartedAt',
      'nextAttemptAt',
      'leaseUntil',
      'inFlightAttempt',
    ]) {
      expect(restarted).not.toHaveProperty(gone);
    }
    // The new cycle's first attempt starts its own retry window and adds to the history.
    const begun = await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 70_000, iso(T0 + 11_000));
    expect(begun?.cycleStartedAt).toBe(iso(T0 + 11_000));
    const done = await deliveries.finishAttempt(
      'acme',
      deliveryId,
      attemptRecord(1, 200, T0 + 11_000),
      { status: 'DELIVERED' },
      iso(T0 + 11_001),
    );
    expect(done.attempts.map((a) => a.status)).toEqual([404, 200]);
  });

  it('refuses while an attempt holds a live lease; allows it once the lease expired', async () => {
    const { deliveryId } = await createdDelivery();
    await deliveries.beginAttempt('acme', deliveryId, 1, T0 + 60_000, iso(T0));
    await expect(deliveries.restart('acme', deliveryId, iso(T0 + 1000))).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await deliveries.restart('acme', deliveryId, iso(T0 + 60_000))).toMatchObject({ attemptsMade: 0 });
  });

  it('returns undefined for an unknown delivery and creates nothing', async () => {
    const id = deliveryIdFor(`wh_${nextId()}`, `evt_${nextId()}_1_completed`);
    expect(await deliveries.restart('acme', id, iso(T0))).toBeUndefined();
    expect(await deliveries.get('acme', id)).toBeUndefined();
  });
});

describe('DynamoDbDeliveryStore: list', () => {
  it('lists one endpoint’s deliveries newest event first across pages, cursor only while more exist', async () => {
    const tenant = 'dlv-lister';
    const endpointId = `wh_${nextId()}`;
    const created: Delivery[] = [];
    for (let i = 0; i < 5; i++) created.push(await createdDelivery(tenant, endpointId));
    await createdDelivery(tenant, `wh_${nextId()}`); // another endpoint
    await createdDelivery('dlv-lister-2', endpointId); // same endpoint id, another tenant
    await endpoints.create(makeEndpoint(tenant, { endpointId }));
    const newestFirst = created.map((d) => d.deliveryId).reverse();

    const page1 = await deliveries.list(tenant, endpointId, { limit: 2 });
    const page2 = await deliveries.list(tenant, endpointId, { limit: 2, cursor: page1.cursor });
    const page3 = await deliveries.list(tenant, endpointId, { limit: 2, cursor: page2.cursor });
    expect(page1.deliveries.map((d) => d.deliveryId)).toEqual(newestFirst.slice(0, 2));
    expect(page2.deliveries.map((d) => d.deliveryId)).toEqual(newestFirst.slice(2, 4));
    expect(page3.deliveries.map((d) => d.deliveryId)).toEqual(newestFirst.slice(4));
    expect(page1.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page3.cursor).toBeUndefined();
    expect(page1.deliveries[0]).not.toHaveProperty('pk');

    const all = await deliveries.list(tenant, endpointId, { limit: 5 });
    expect(all).toEqual({ deliveries: created.slice().reverse(), cursor: undefined });
    expect(await deliveries.list('nobody', endpointId, { limit: 10 })).toEqual({
      deliveries: [],
      cursor: undefined,
    });
  });

  it('filters by status, filling pages past non-matching deliveries', async () => {
    const tenant = 'dlv-filter';
    const endpointId = `wh_${nextId()}`;
    const dead: string[] = [];
    for (let i = 0; i < 9; i++) {
      const { deliveryId } = await createdDelivery(tenant, endpointId);
      if (i % 3 === 0) {
        await deliveries.beginAttempt(tenant, deliveryId, 1, T0 + 1000, iso(T0));
        await deliveries.finishAttempt(
          tenant,
          deliveryId,
          attemptRecord(1, 400),
          { status: 'DEAD_LETTERED', lastError: 'HTTP 400' },
          iso(T0 + 1),
        );
        dead.push(deliveryId);
      }
    }
    const page1 = await deliveries.list(tenant, endpointId, { limit: 2, status: 'DEAD_LETTERED' });
    expect(page1.deliveries.map((d) => d.deliveryId)).toEqual(dead.slice().reverse().slice(0, 2));
    expect(page1.cursor).toBeDefined();
    const page2 = await deliveries.list(tenant, endpointId, {
      limit: 2,
      status: 'DEAD_LETTERED',
      cursor: page1.cursor,
    });
    expect(page2.deliveries.map((d) => d.deliveryId)).toEqual([dead[0]]);
    expect(page2.cursor).toBeUndefined();
    const pending = await deliveries.list(tenant, endpointId, { limit: 100, status: 'PENDING' });
    expect(pending.deliveries).toHaveLength(6);
    expect(pending.deliveries.every((d) => d.status === 'PENDING')).toBe(true);
    expect(
      (await deliveries.list(tenant, endpointId, { limit: 10, status: 'DELIVERED' })).deliveries,
    ).toEqual([]);
  });

  it('rejects tampered, other-tenant and other-endpoint cursors with InvalidCursorError', async () => {
    const tenant = 'dlv-cursor';
    const endpointId = `wh_${nextId()}`;
    for (let i = 0; i < 3; i++) await createdDelivery(tenant, endpointId);
    const { cursor } = await deliveries.list(tenant, endpointId, { limit: 1 });
    const valid = cursor as string;
    const decoded = JSON.parse(Buffer.from(valid, 'base64url').toString('utf8'));
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      'not a cursor!',
      '',
      valid.slice(0, 10),
      encode({ ...decoded, pk: 'TENANT#acme' }),
      encode({ ...decoded, sk: `WEBHOOK#${endpointId}` }),
      encode({ ...decoded, extra: 1 }),
      `${valid}=`,
    ];
    for (const c of bad) {
      await expect(deliveries.list(tenant, endpointId, { limit: 1, cursor: c })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    }
    await expect(deliveries.list('acme', endpointId, { limit: 1, cursor: valid })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(
      deliveries.list(tenant, `wh_${nextId()}`, { limit: 1, cursor: valid }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
