import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import {
  DynamoDbDeliveryStore,
  DynamoDbWebhookEndpointStore,
} from '../../src/adapters/aws/dynamodb-webhook-stores.js';
import { createApiRouter } from '../../src/adapters/http/api-router.js';
import { problemFor } from '../../src/adapters/http/problems.js';
import { EVENT_TYPES } from '../../src/contract/events.js';
import { DomainError } from '../../src/core/domain-error.js';
import type { JobService } from '../../src/jobs/job-service.js';
import type { PresetService } from '../../src/presets/preset-service.js';
import type { ApiKeyAuthenticator } from '../../src/tenants/api-keys.js';
import { type DeliveryMessage, deliveryIdFor } from '../../src/webhooks/ports.js';
import { AesGcmSecretCipher } from '../../src/webhooks/secrets.js';
import { activeSecrets } from '../../src/webhooks/signing.js';
import { MAX_ACTIVE_SECRETS, WebhookService } from '../../src/webhooks/webhook-service.js';
import { createJobsTable } from '../support/jobs-table.js';
import { testBytes } from '../support/seed.js';

// The webhook use cases and routes over the real stores (dynalite); only the delivery queue is in memory.
const TABLE = 'webhooks-api-test';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let clock = T0;
let emulators: Emulators;
let dynamo: DynamoDBClient;
let endpoints: DynamoDbWebhookEndpointStore;
let deliveries: DynamoDbDeliveryStore;
const sent: { message: DeliveryMessage; delaySeconds?: number }[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  const cipher = new AesGcmSecretCipher(testBytes(32, 'webhooks-api-1'));
  endpoints = new DynamoDbWebhookEndpointStore({ tableName: TABLE, client: dynamo, cipher });
  deliveries = new DynamoDbDeliveryStore({ tableName: TABLE, client: dynamo });
});

afterAll(async () => {
  dynamo?.destroy();
  await emulators?.stop();
});

function service(options: { stage?: string; maxEndpointsPerTenant?: number } = {}) {
  return new WebhookService({
    endpoints,
    deliveries,
    queue: { send: async (message, delaySeconds) => void sent.push({ message, delaySeconds }) },
    stage: options.stage ?? 'prod',
    maxEndpointsPerTenant: options.maxEndpointsPerTenant,
    resolve: fakeDns,
    resolveTimeoutMs: 200,
    now: () => clock,
  });
}

/** DNS as the registration check sees it: public names, names that point inside, and failures. */
const DNS: Record<string, string[] | string> = {
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  '169.254.169.254.nip.io': ['169.254.169.254'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.1'],
  'inside.example.com': ['fd00::7'],
  'gone.example.com': 'ENOTFOUND',
  'flaky.example.com': 'EAI_AGAIN',
  'silent.example.com': 'HANG',
};
async function fakeDns(host: string): Promise<string[]> {
  const answer = DNS[host] ?? 'ENOTFOUND';
  if (answer === 'HANG') return new Promise(() => undefined);
  if (typeof answer === 'string')
    throw Object.assign(new Error(`queryA ${answer} ${host}`), { code: answer });
  return answer;
}

/** The problem details a call fails with, as the HTTP edge renders them (fails the test when it does not). */
async function problemOf(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof DomainError) return problemFor(error).details;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const URL_OK = 'https://hooks.example.com/media';

describe('WebhookService: endpoints', () => {
  it('creates an endpoint and returns its secret once; reads never show a secret', async () => {
    const webhooks = service();
    const created = await webhooks.create('acme', { url: URL_OK, description: 'prod receiver' });
    expect(created).toEqual({
      id: expect.stringMatching(/^wh_[0-9A-HJKMNP-TV-Z]{26}$/),
      url: URL_OK,
      eventTypes: [...EVENT_TYPES],
      description: 'prod receiver',
      status: 'ACTIVE',
      createdAt: new Date(clock).toISOString(),
      updatedAt: new Date(clock).toISOString(),
      secretsActive: 1,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
    });
    const { secret, ...view } = created;
    expect(await webhooks.get('acme', created.id)).toEqual(view);
    expect((await webhooks.list('acme')).webhooks).toContainEqual(view);
    expect(JSON.stringify(await webhooks.list('acme'))).not.toContain(secret);
    // Stored: the endpoint signs with exactly that secret.
    const stored = await endpoints.get('acme', created.id);
    expect(activeSecrets(stored?.secrets ?? [], new Date(clock))).toEqual([secret]);
    expect(stored?.eventTypes).toEqual([]); // all, including types added later
  });

  it('keeps a subset of event types, in the canonical order, without duplicates', async () => {
    const created = await service().create('acme', {
      url: URL_OK,
      eventTypes: ['media.job.failed', 'media.job.completed', 'media.job.failed'],
    });
    expect(created.eventTypes).toEqual(['media.job.completed', 'media.job.failed']);
  });

  it('refuses bad bodies: unknown event type, empty type list, unknown fields, missing url', async () => {
    const webhooks = service();
    const unknownType = await problemOf(
      webhooks.create('acme', { url: URL_OK, eventTypes: ['media.job.exploded'] }),
    );
    expect(unknownType).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(unknownType.errors?.[0]?.path).toBe('eventTypes.0');
    for (const body of [
      { url: URL_OK, eventTypes: [] },
      { url: URL_OK, secret: 'whsec_mine' },
      {},
      'x',
      null,
    ]) {
      expect(await problemOf(webhooks.create('acme', body))).toMatchObject({
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
  });

  it.each([
    ['not a URL', 'prod'],
    ['ftp://hooks.example.com/', 'prod'],
    ['http://hooks.example.com/', 'prod'],
    ['https://user:pass@hooks.example.com/', 'prod'],
    ['https://10.0.0.7/hook', 'prod'],
    ['https://192.168.1.1/hook', 'prod'],
    ['https://169.254.169.254/latest/meta-data/', 'prod'],
    ['https://[::1]/hook', 'prod'],
    ['https://[::ffff:127.0.0.1]/hook', 'prod'],
    ['https://[fd00::1]/hook', 'prod'],
    ['https://2130706433/', 'prod'],
    ['https://0x7f.1/', 'prod'],
    ['https://127.0.0.1/', 'prod'],
    ['https://localhost/hook', 'prod'],
    ['https://api.localhost/hook', 'staging'],
    ['https://intranet/hook', 'prod'],
    ['https://169.254.169.254.nip.io/latest/meta-data/', 'prod'],
    ['https://localhost./hook', 'prod'],
    ['https://rebind.example.com/hook', 'prod'],
    ['https://inside.example.com/hook', 'staging'],
    ['https://gone.example.com/hook', 'prod'],
    ['http://hooks.example.com/', 'local'],
    ['http://10.0.0.7/', 'local'],
  ])('refuses %s in stage %s with 400 INVALID_WEBHOOK_URL', async (url, stage) => {
    const details = await problemOf(service({ stage }).create('url-tenant', { url }));
    expect(details).toMatchObject({ status: 400, code: 'INVALID_WEBHOOK_URL', title: 'Invalid webhook URL' });
    expect(details.errors?.[0]?.path).toBe('url');
    expect(details.detail).toBeTruthy();
  });

  it.each([
    ['https://hooks.example.com:8443/a?b=c', 'prod'],
    ['https://93.184.215.14/hook', 'prod'],
    // The resolver is down now: accepted, and the send-time check vets the addresses before any request.
    ['https://flaky.example.com/hook', 'prod'],
    // Its name servers never answer: registration does not hang on it.
    ['https://silent.example.com/hook', 'prod'],
    ['http://localhost:9999/hook', 'local'],
    ['http://127.0.0.1:9999/hook', 'local'],
  ])('accepts %s in stage %s', async (url, stage) => {
    expect((await service({ stage }).create('url-ok', { url })).url).toBe(new URL(url).href);
  });

  it('caps the endpoints per tenant with 409 WEBHOOK_LIMIT, also when creations race', async () => {
    const webhooks = service({ maxEndpointsPerTenant: 3 });
    await webhooks.create('capped', { url: URL_OK });
    const racing = await Promise.allSettled([
      webhooks.create('capped', { url: URL_OK }),
      webhooks.create('capped', { url: URL_OK }),
      webhooks.create('capped', { url: URL_OK }),
    ]);
    const fulfilled = racing.filter((r) => r.status === 'fulfilled').length;
    for (const r of racing) {
      if (r.status === 'rejected')
        expect(problemFor(r.reason as DomainError).details).toMatchObject({
          status: 409,
          code: 'WEBHOOK_LIMIT',
        });
    }
    expect(fulfilled).toBeLessThanOrEqual(2);
    expect((await webhooks.list('capped')).webhooks).toHaveLength(1 + fulfilled);
    // Sequential creations fill the tenant up to the limit, then 409.
    while ((await webhooks.list('capped')).webhooks.length < 3)
      await webhooks.create('capped', { url: URL_OK });
    expect(await problemOf(webhooks.create('capped', { url: URL_OK }))).toMatchObject({
      status: 409,
      code: 'WEBHOOK_LIMIT',
      title: 'Too many webhooks',
    });
    expect((await webhooks.list('capped')).webhooks).toHaveLength(3);
    // Other tenants are not affected.
    await webhooks.create('capped-2', { url: URL_OK });
  });

  it('answers 404 for unknown, malformed and other tenants’ ids, and deletes once', async () => {
    const webhooks = service();
    const theirs = await webhooks.create('owner', { url: URL_OK });
    for (const id of [theirs.id, 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'nonsense', '']) {
      expect(await problemOf(webhooks.get('intruder', id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(await problemOf(webhooks.delete('intruder', id))).toMatchObject({ status: 404 });
      expect(await problemOf(webhooks.rotateSecret('intruder', id, {}))).toMatchObject({ status: 404 });
      expect(await problemOf(webhooks.listDeliveries('intruder', id, {}))).toMatchObject({ status: 404 });
    }
    expect((await webhooks.get('owner', theirs.id)).id).toBe(theirs.id);
    await webhooks.delete('owner', theirs.id);
    expect(await problemOf(webhooks.get('owner', theirs.id))).toMatchObject({ status: 404 });
    expect(await problemOf(webhooks.delete('owner', theirs.id))).toMatchObject({ status: 404 });
  });
});

describe('WebhookService: secret rotation', () => {
  it('returns a new secret once; the old one keeps signing for the overlap (default 24 h)', async () => {
    const webhooks = service();
    const { id, secret: first } = await webhooks.create('rotor', { url: URL_OK });
    clock += 1000;
    const rotated = await webhooks.rotateSecret('rotor', id, {});
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(first);
    expect(rotated.secretsActive).toBe(2);
    expect(rotated.updatedAt).toBe(new Date(clock).toISOString());
    expect(await webhooks.get('rotor', id)).toEqual((({ secret: _, ...view }) => view)(rotated));
    const stored = await endpoints.get('rotor', id);
    expect(activeSecrets(stored?.secrets ?? [], new Date(clock))).toEqual([rotated.secret, first]);
    const old = stored?.secrets.find((s) => s.secret === first);
    expect(old?.expiresAt).toBe(new Date(clock + 24 * 3600 * 1000).toISOString());
  });

  it('ends the old secrets at once with overlapSeconds 0, and keeps at most a few signing', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('rotor-2', { url: URL_OK });
    for (let i = 0; i < MAX_ACTIVE_SECRETS + 2; i++) {
      clock += 1000;
      await webhooks.rotateSecret('rotor-2', id, { overlapSeconds: 3600 });
    }
    expect((await webhooks.get('rotor-2', id)).secretsActive).toBe(MAX_ACTIVE_SECRETS);
    clock += 1000;
    const leaked = await webhooks.rotateSecret('rotor-2', id, { overlapSeconds: 0 });
    expect(leaked.secretsActive).toBe(1);
    const stored = await endpoints.get('rotor-2', id);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([leaked.secret]);
  });

  it('refuses overlaps outside 0-7 days and other fields with 400', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('rotor-3', { url: URL_OK });
    for (const body of [
      { overlapSeconds: -1 },
      { overlapSeconds: 7 * 86400 + 1 },
      { overlapSeconds: '60' },
      { x: 1 },
    ]) {
      expect(await problemOf(webhooks.rotateSecret('rotor-3', id, body))).toMatchObject({
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
    expect((await webhooks.rotateSecret('rotor-3', id, { overlapSeconds: 7 * 86400 })).secretsActive).toBe(2);
  });

  it('refuses (409) a rotation that raced another one; only the stored secret is ever returned', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('rotor-4', { url: URL_OK });
    clock += 1000;
    let inner: { secret: string } | undefined;
    // The outer rotation reads the endpoint, then another rotation completes before the outer one writes.
    const racing = new WebhookService({
      endpoints: {
        get: async (tenant, endpointId) => {
          const read = await endpoints.get(tenant, endpointId);
          clock += 1000;
          inner ??= await webhooks.rotateSecret(tenant, endpointId, {});
          return read;
        },
        list: (tenant) => endpoints.list(tenant),
        create: (endpoint) => endpoints.create(endpoint),
        delete: (tenant, endpointId) => endpoints.delete(tenant, endpointId),
        putSecrets: (...args) => endpoints.putSecrets(...args),
        setStatus: (...args) => endpoints.setStatus(...args),
      },
      deliveries,
      queue: { send: async () => {} },
      stage: 'prod',
      now: () => clock,
    });
    expect(await problemOf(racing.rotateSecret('rotor-4', id, {}))).toMatchObject({
      status: 409,
      code: 'CONCURRENT_CHANGE',
    });
    const stored = await endpoints.get('rotor-4', id);
    expect(activeSecrets(stored?.secrets ?? [], new Date(clock))[0]).toBe(inner?.secret);
    expect(stored?.secrets).toHaveLength(2);
  });
});

async function seedDelivery(
  tenant: string,
  endpointId: string,
  outcome: 'PENDING' | 'DELIVERED' | 'DEAD_LETTERED' | 'IN_FLIGHT',
  n: number,
) {
  const eventId = `evt_01ARZ3NDEKTSV4RRFFQ69G5F${String(n).padStart(2, '0')}_1_completed`;
  const deliveryId = deliveryIdFor(endpointId, eventId);
  const at = new Date(clock).toISOString();
  await deliveries.createOnce({
    tenant,
    deliveryId,
    endpointId,
    eventId,
    eventType: 'media.job.completed',
    body: '{"secret-free":"payload"}',
    status: 'PENDING',
    attemptsMade: 0,
    attempts: [],
    createdAt: at,
    updatedAt: at,
  });
  if (outcome === 'PENDING') return deliveryId;
  await deliveries.beginAttempt(tenant, deliveryId, 1, clock + 60_000, at);
  if (outcome === 'IN_FLIGHT') return deliveryId;
  const status = outcome === 'DELIVERED' ? 204 : 404;
  await deliveries.finishAttempt(
    tenant,
    deliveryId,
    { attempt: 1, at, status, durationMs: 5, ...(status === 404 ? { error: 'HTTP 404' } : {}) },
    outcome === 'DELIVERED' ? { status: 'DELIVERED' } : { status: 'DEAD_LETTERED', lastError: 'HTTP 404' },
    at,
  );
  return deliveryId;
}

describe('WebhookService: deliveries', () => {
  it('lists an endpoint’s deliveries newest first, filtered and paged, without bodies or secrets', async () => {
    const webhooks = service();
    const { id, secret } = await webhooks.create('logs', { url: URL_OK });
    const ids = [
      await seedDelivery('logs', id, 'DELIVERED', 1),
      await seedDelivery('logs', id, 'DEAD_LETTERED', 2),
      await seedDelivery('logs', id, 'PENDING', 3),
    ];
    const all = await webhooks.listDeliveries('logs', id, {});
    expect(all.deliveries.map((d) => d.id)).toEqual(ids.slice().reverse());
    expect(all.cursor).toBeUndefined();
    const dead = all.deliveries.find((d) => d.id === ids[1]);
    expect(dead).toMatchObject({
      endpointId: id,
      eventType: 'media.job.completed',
      status: 'DEAD_LETTERED',
      attemptsMade: 1,
      lastError: 'HTTP 404',
      attempts: [{ attempt: 1, status: 404, error: 'HTTP 404' }],
    });
    for (const hidden of ['tenant', 'body', 'leaseUntil', 'inFlightAttempt', 'deliveryId', 'pk', 'sk']) {
      expect(dead).not.toHaveProperty(hidden);
    }
    expect(JSON.stringify(all)).not.toContain(secret);

    const page1 = await webhooks.listDeliveries('logs', id, { limit: '2' });
    expect(page1.deliveries).toHaveLength(2);
    const page2 = await webhooks.listDeliveries('logs', id, { limit: '2', cursor: page1.cursor });
    expect(page2.deliveries.map((d) => d.id)).toEqual([ids[0]]);
    const delivered = await webhooks.listDeliveries('logs', id, { status: 'DELIVERED' });
    expect(delivered.deliveries.map((d) => d.id)).toEqual([ids[0]]);
  });

  it('refuses a bad limit, status or cursor with 400', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('logs-2', { url: URL_OK });
    for (const query of [
      { limit: '0' },
      { limit: '101' },
      { limit: 'x' },
      { status: 'FAILED' },
      { cursor: '!!' },
    ]) {
      expect(await problemOf(webhooks.listDeliveries('logs-2', id, query))).toMatchObject({
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
  });

  it('replays a dead-lettered delivery: a new cycle, history kept, attempt 1 queued', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('replayer', { url: URL_OK });
    const deliveryId = await seedDelivery('replayer', id, 'DEAD_LETTERED', 4);
    sent.length = 0;
    clock += 5000;
    const replayed = await webhooks.replay('replayer', deliveryId);
    expect(replayed).toMatchObject({ id: deliveryId, status: 'PENDING', attemptsMade: 0 });
    expect(replayed.attempts).toHaveLength(1);
    expect(replayed).not.toHaveProperty('deadLetteredAt');
    expect(sent).toEqual([
      { message: { tenant: 'replayer', deliveryId, attempt: 1 }, delaySeconds: undefined },
    ]);
    // Delivered ones can be replayed too (the receiver dedupes on webhook-id).
    const done = await seedDelivery('replayer', id, 'DELIVERED', 5);
    expect((await webhooks.replay('replayer', done)).status).toBe('PENDING');
  });

  it('answers 404 for unknown, malformed and other tenants’ deliveries, and queues nothing', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('victim', { url: URL_OK });
    const deliveryId = await seedDelivery('victim', id, 'DEAD_LETTERED', 6);
    sent.length = 0;
    const unknown = deliveryIdFor(id, 'evt_01ARZ3NDEKTSV4RRFFQ69G5F99_1_completed');
    for (const [tenant, dlv] of [
      ['attacker', deliveryId],
      ['victim', unknown],
      ['victim', 'dlv_nonsense'],
      ['victim', ''],
    ] as const) {
      expect(await problemOf(webhooks.replay(tenant, dlv))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    }
    expect(sent).toEqual([]);
    expect((await deliveries.get('victim', deliveryId))?.status).toBe('DEAD_LETTERED');
  });

  it('refuses to replay for a disabled endpoint (409) until it is enabled, a deleted one (404), or mid-attempt (409)', async () => {
    const webhooks = service();
    const { id } = await webhooks.create('states', { url: URL_OK });
    const dead = await seedDelivery('states', id, 'DEAD_LETTERED', 7);
    const inFlight = await seedDelivery('states', id, 'IN_FLIGHT', 8);
    sent.length = 0;
    expect(await problemOf(webhooks.replay('states', inFlight))).toMatchObject({
      status: 409,
      code: 'DELIVERY_IN_FLIGHT',
    });
    await endpoints.setStatus('states', id, 'DISABLED', 'HTTP 410 Gone', new Date(clock).toISOString());
    const disabled = await problemOf(webhooks.replay('states', dead));
    expect(disabled).toMatchObject({ status: 409, code: 'WEBHOOK_DISABLED' });
    expect(disabled.detail).toContain('HTTP 410 Gone');
    // Re-enabled (idempotently), the endpoint's dead-lettered delivery replays.
    expect(await webhooks.enable('states', id)).toMatchObject({ status: 'ACTIVE' });
    const enabled = await webhooks.enable('states', id);
    expect(enabled.status).toBe('ACTIVE');
    expect(enabled).not.toHaveProperty('disabledReason');
    expect(await webhooks.replay('states', dead)).toMatchObject({ status: 'PENDING' });
    expect(sent).toHaveLength(1);
    sent.length = 0;
    await webhooks.delete('states', id);
    expect(await problemOf(webhooks.replay('states', dead))).toMatchObject({ status: 404 });
    expect(sent).toEqual([]);
  });
});

describe('webhook routes', () => {
  const keys: Record<string, string> = { 'key-acme': 'router-acme', 'key-other': 'router-other' };
  const router = (withWebhooks = true) =>
    createApiRouter({
      service: {} as JobService,
      presets: {} as PresetService,
      auth: { tenantFor: async (key?: string) => (key ? keys[key] : undefined) } as ApiKeyAuthenticator,
      ...(withWebhooks ? { webhooks: service() } : {}),
    });
  const call = async (
    routeKey: string,
    options: { id?: string; query?: Record<string, string>; body?: unknown; raw?: string; key?: string } = {},
    route = router(),
  ) => {
    const response = await route({
      routeKey,
      headers: { 'x-api-key': options.key ?? 'key-acme' },
      pathParameters: options.id === undefined ? undefined : { id: options.id },
      queryStringParameters: options.query,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2);
    return {
      status: response.statusCode,
      headers: response.headers ?? {},
      body: response.body ? JSON.parse(String(response.body)) : undefined,
    };
  };

  it('creates (201, Location, no-store), reads (200, no secret), rotates (200, no-store) and deletes (204)', async () => {
    const created = await call('POST /webhooks', {
      body: { url: URL_OK, eventTypes: ['media.job.completed'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers).toMatchObject({ location: `/webhooks/${id}`, 'cache-control': 'no-store' });
    expect(created.body.secret).toMatch(/^whsec_/);

    const got = await call('GET /webhooks/{id}', { id });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.body).toMatchObject({ id, eventTypes: ['media.job.completed'], secretsActive: 1 });
    const listed = await call('GET /webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toContain(id);

    const rotated = await call('POST /webhooks/{id}/rotate-secret', { id, body: { overlapSeconds: 60 } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body).toMatchObject({ id, secretsActive: 2, secret: expect.stringMatching(/^whsec_/) });
    // No body at all is the default overlap.
    expect((await call('POST /webhooks/{id}/rotate-secret', { id })).status).toBe(200);

    const deliveriesPage = await call('GET /webhooks/{id}/deliveries', { id, query: { limit: '5' } });
    expect(deliveriesPage).toMatchObject({ status: 200, body: { deliveries: [] } });

    expect((await call('DELETE /webhooks/{id}', { id })).status).toBe(204);
    const gone = await call('GET /webhooks/{id}', { id });
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toBe('application/problem+json');
    expect(gone.body).toMatchObject({ status: 404, title: 'Webhook not found', code: 'NOT_FOUND' });
    expect(gone.body.type).toMatch(/^https:\/\//);
  });

  it('answers problems: invalid URL, bad JSON, other tenant, bad query, no API key', async () => {
    const badUrl = await call('POST /webhooks', { body: { url: 'http://10.0.0.1/' } });
    expect(badUrl).toMatchObject({ status: 400, body: { code: 'INVALID_WEBHOOK_URL', status: 400 } });
    expect(badUrl.headers['content-type']).toBe('application/problem+json');
    expect(await call('POST /webhooks', { raw: '{not json' })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_REQUEST' },
    });
    const { body } = await call('POST /webhooks', { body: { url: URL_OK } });
    expect((await call('GET /webhooks/{id}', { id: body.id, key: 'key-other' })).status).toBe(404);
    expect((await call('DELETE /webhooks/{id}', { id: body.id, key: 'key-other' })).status).toBe(404);
    expect((await call('GET /webhooks/{id}', { id: body.id })).status).toBe(200);
    expect(
      await call('GET /webhooks/{id}/deliveries', { id: body.id, query: { status: 'LOST' } }),
    ).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect((await call('GET /webhooks', { key: 'wrong' })).status).toBe(401);
  });

  it('replays through POST /webhooks/deliveries/{id}/replay (202; 404 for another tenant)', async () => {
    const { body } = await call('POST /webhooks', { body: { url: URL_OK } });
    const deliveryId = await seedDelivery('router-acme', body.id, 'DEAD_LETTERED', 9);
    expect(
      (await call('POST /webhooks/deliveries/{id}/replay', { id: deliveryId, key: 'key-other' })).status,
    ).toBe(404);
    const replayed = await call('POST /webhooks/deliveries/{id}/replay', { id: deliveryId });
    expect(replayed).toMatchObject({
      status: 202,
      body: { id: deliveryId, status: 'PENDING', attemptsMade: 0 },
    });
  });

  it('has no webhook routes when the router is built without the webhook service', async () => {
    expect((await call('GET /webhooks', {}, router(false))).status).toBe(404);
  });
});
