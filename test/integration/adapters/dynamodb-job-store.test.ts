import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { resetDefaultClients } from '../../../src/adapters/aws/clients.js';
import { DynamoDbJobStore, InvalidCursorError } from '../../../src/adapters/aws/dynamodb-job-store.js';
import { ALLOWED_FROM, type Job, JobRequest, JobStatus } from '../../../src/core/job.js';
import { ConditionFailedError } from '../../../src/core/ports.js';
import { createJobsTable } from '../../support/jobs-table.js';

const TABLE = 'jobs-adapter-test';
const nextId = monotonicFactory();
let emulators: Emulators;
let client: DynamoDBClient;
let store: DynamoDbJobStore;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  // The table as the stack declares it (keys and the ActiveByTenant index).
  await createJobsTable(client, TABLE);
  store = new DynamoDbJobStore({ tableName: TABLE, client });
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

function makeJob(tenant: string, overrides: Partial<Job> = {}): Job {
  const jobId = overrides.jobId ?? nextId();
  const createdAt = new Date().toISOString();
  return {
    tenant,
    jobId,
    status: 'QUEUED',
    stage: 'created',
    progress: 0,
    attempt: 0,
    request: JobRequest.parse({}),
    source: { bucket: 'uploads', key: `t/${tenant}/uploads/${jobId}/a.jpg`, size: 10 },
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

async function created(tenant: string, overrides: Partial<Job> = {}): Promise<Job> {
  const job = makeJob(tenant, overrides);
  expect(await store.create(job)).toBe(true);
  return job;
}

describe('create / get', () => {
  it('creates once; the second create of the same id is refused and changes nothing', async () => {
    const job = await created('acme');
    expect(await store.create({ ...job, status: 'FAILED', stage: 'overwritten' })).toBe(false);
    const { outbox, outboxAt, ...stored } = (await store.get('acme', job.jobId)) as Job;
    expect(stored).toEqual(job);
    // The creation's event waits in the outbox, recorded with the same write.
    expect(Object.values(outbox ?? {})).toEqual([
      {
        type: 'media.job.queued',
        occurredAt: job.createdAt,
        status: 'QUEUED',
        attempt: 0,
        stage: 'created',
        progress: 0,
      },
    ]);
    expect(outboxAt).toBe(job.createdAt);
    expect(stored).not.toHaveProperty('pk');
    expect(stored).not.toHaveProperty('sk');
  });

  it('never returns another tenant’s job', async () => {
    const job = await created('acme');
    expect(await store.get('other', job.jobId)).toBeUndefined();
    expect(await store.get('acme', nextId())).toBeUndefined();
  });

  it('stores optional attributes left undefined without failing', async () => {
    const job = await created('acme', { idempotencyKey: undefined, leaseUntil: undefined });
    expect(await store.get('acme', job.jobId)).not.toHaveProperty('idempotencyKey');
  });
});

describe('list', () => {
  it('lists newest first across pages, only the tenant’s jobs, cursor only while more exist', async () => {
    const tenant = 'lister';
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) jobs.push(await created(tenant, { stage: `n${i}` }));
    await created('lister-2');
    await store.reserveIdempotencyKey(tenant, 'k-1', jobs[0]?.jobId as string, 'h');
    const newestFirst = jobs.map((j) => j.jobId).reverse();

    const page1 = await store.list(tenant, { limit: 2 });
    const page2 = await store.list(tenant, { limit: 2, cursor: page1.cursor });
    const page3 = await store.list(tenant, { limit: 2, cursor: page2.cursor });
    expect(page1.jobs.map((j) => j.jobId)).toEqual(newestFirst.slice(0, 2));
    expect(page2.jobs.map((j) => j.jobId)).toEqual(newestFirst.slice(2, 4));
    expect(page3.jobs.map((j) => j.jobId)).toEqual(newestFirst.slice(4));
    expect(page1.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page2.cursor).toBeDefined();
    expect(page3.cursor).toBeUndefined();
    expect(page1.jobs[0]).not.toHaveProperty('pk');

    const all = await store.list(tenant, { limit: 5 });
    expect(all.jobs).toHaveLength(5);
    expect(all.cursor).toBeUndefined();
    expect(await store.list('nobody', { limit: 10 })).toEqual({ jobs: [], cursor: undefined });
  });

  it('rejects a tampered, malformed or other-tenant cursor with InvalidCursorError', async () => {
    const tenant = 'cursor-tenant';
    for (let i = 0; i < 3; i++) await created(tenant);
    const { cursor } = await store.list(tenant, { limit: 1 });
    expect(cursor).toBeDefined();
    const valid = cursor as string;

    const decoded = JSON.parse(Buffer.from(valid, 'base64url').toString('utf8'));
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tampered = [
      `${valid.slice(0, -2)}${valid.endsWith('A') ? 'B' : 'A'}${valid.slice(-1)}`, // one char flipped
      'not a cursor!',
      '',
      valid.slice(0, 10),
      encode({ ...decoded, pk: 'TENANT#acme' }),
      encode({ ...decoded, sk: 'IDEM#k-1' }),
      encode({ ...decoded, extra: 1 }),
      encode([decoded.pk, decoded.sk]),
      `${valid}=`,
    ];
    for (const bad of tampered) {
      const error = await store.list(tenant, { limit: 1, cursor: bad }).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(InvalidCursorError);
      expect((error as Error).name).toBe('InvalidCursorError');
    }
    // The same cursor, presented by another tenant.
    await expect(store.list('acme', { limit: 1, cursor: valid })).rejects.toThrow(/another tenant/);
    // And the genuine one still works.
    expect((await store.list(tenant, { limit: 1, cursor: valid })).jobs).toHaveLength(1);
  });

  it('rejects a non-positive limit', async () => {
    await expect(store.list('acme', { limit: 0 })).rejects.toThrow(RangeError);
  });
});

describe('transition', () => {
  const statuses = Object.values(JobStatus);

  it('applies every legal transition, with its attributes, and stamps updatedAt', async () => {
    for (const to of statuses) {
      for (const from of ALLOWED_FROM[to]) {
        const job = await created('moves', { status: from, updatedAt: '2000-01-01T00:00:00.000Z' });
        const moved = await store.transition('moves', job.jobId, to, { set: { stage: `to-${to}` } });
        expect(moved, `${from} -> ${to}`).toMatchObject({ status: to, stage: `to-${to}`, jobId: job.jobId });
        expect(moved.updatedAt > job.updatedAt).toBe(true);
        expect(moved).not.toHaveProperty('pk');
        expect(await store.get('moves', job.jobId)).toEqual(moved);
      }
    }
  });

  it('refuses every illegal transition with ConditionFailedError naming the current status', async () => {
    for (const to of statuses) {
      for (const from of statuses.filter((s) => !ALLOWED_FROM[to].includes(s))) {
        const job = await created('refusals', { status: from });
        const error = await store.transition('refusals', job.jobId, to).catch((e: unknown) => e);
        expect(error, `${from} -> ${to}`).toBeInstanceOf(ConditionFailedError);
        if (ALLOWED_FROM[to].length > 0) expect((error as Error).message).toContain(`is ${from}`);
        expect((await store.get('refusals', job.jobId))?.status).toBe(from);
      }
    }
  });

  it('refuses a transition of a job that does not exist (and does not create it)', async () => {
    const jobId = nextId();
    await expect(store.transition('acme', jobId, 'CANCELLED')).rejects.toThrow(/does not exist/);
    expect(await store.get('acme', jobId)).toBeUndefined();
  });

  it('removes attributes set to undefined (retry clears the previous error)', async () => {
    const job = await created('acme', {
      status: 'FAILED',
      error: { code: 'TRANSIENT', message: 'boom', retryable: true },
      completedAt: new Date().toISOString(),
    });
    const retried = await store.transition('acme', job.jobId, 'QUEUED', {
      set: { error: undefined, completedAt: undefined, stage: 'queued', progress: 0 },
    });
    expect(retried.status).toBe('QUEUED');
    expect(retried).not.toHaveProperty('error');
    expect(retried).not.toHaveProperty('completedAt');
  });

  it('refuses to set key or identity attributes', async () => {
    const job = await created('acme');
    await expect(
      store.transition('acme', job.jobId, 'CANCELLED', { set: { status: 'COMPLETED' } as never }),
    ).rejects.toThrow(TypeError);
  });
});

describe('claim, lease and fencing', () => {
  const LEASE = 60_000;

  it('claims a QUEUED job: PROCESSING, attempt + 1, lease, stage', async () => {
    const job = await created('workers');
    const now = Date.now();
    const claimed = await store.claim('workers', job.jobId, LEASE, now);
    expect(claimed).toMatchObject({
      status: 'PROCESSING',
      attempt: 1,
      leaseUntil: now + LEASE,
      stage: 'processing',
    });
  });

  it('claims an AWAITING_UPLOAD job, but not a terminal or missing one', async () => {
    const waiting = await created('workers', { status: 'AWAITING_UPLOAD' });
    expect((await store.claim('workers', waiting.jobId, LEASE))?.status).toBe('PROCESSING');
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      const job = await created('workers', { status });
      expect(await store.claim('workers', job.jobId, LEASE)).toBeUndefined();
      expect((await store.get('workers', job.jobId))?.status).toBe(status);
    }
    expect(await store.claim('workers', nextId(), LEASE)).toBeUndefined();
  });

  it('refuses a claim while the lease is valid; takes over after expiry; fences the old worker', async () => {
    const job = await created('workers');
    const t0 = Date.now();
    const first = await store.claim('workers', job.jobId, LEASE, t0);
    expect(first?.attempt).toBe(1);
    expect(await store.claim('workers', job.jobId, LEASE, t0 + LEASE - 1)).toBeUndefined();
    expect(await store.claim('workers', job.jobId, LEASE, t0 + LEASE)).toBeUndefined(); // not yet expired

    const second = await store.claim('workers', job.jobId, LEASE, t0 + LEASE + 1);
    expect(second).toMatchObject({ status: 'PROCESSING', attempt: 2, leaseUntil: t0 + 2 * LEASE + 1 });

    // The first worker wakes up and tries to complete: its attempt is stale.
    const stale = await store
      .transition('workers', job.jobId, 'COMPLETED', { attempt: 1, set: { progress: 100 } })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConditionFailedError);
    expect((stale as Error).message).toMatch(/is PROCESSING \(attempt 2\).*at attempt 1/);
    expect(await store.reportProgress('workers', job.jobId, 1, 'writing', 90)).toBe(false);

    const done = await store.transition('workers', job.jobId, 'COMPLETED', {
      attempt: 2,
      set: { progress: 100, stage: 'done' },
    });
    expect(done).toMatchObject({ status: 'COMPLETED', attempt: 2, progress: 100 });
  });

  it('a released claim (leaseUntil 0) can be taken at once', async () => {
    const job = await created('workers');
    const claimed = await store.claim('workers', job.jobId, LEASE);
    await store.transition('workers', job.jobId, 'PROCESSING', {
      attempt: claimed?.attempt,
      set: { leaseUntil: 0, stage: 'retrying' },
    });
    expect((await store.claim('workers', job.jobId, LEASE))?.attempt).toBe(2);
  });

  it('rejects a late COMPLETED after a cancel', async () => {
    const job = await created('workers');
    const claimed = await store.claim('workers', job.jobId, LEASE);
    await store.transition('workers', job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });
    await expect(
      store.transition('workers', job.jobId, 'COMPLETED', { attempt: claimed?.attempt }),
    ).rejects.toThrow(/is CANCELLED/);
    expect((await store.get('workers', job.jobId))?.status).toBe('CANCELLED');
  });

  it('lets exactly one of several concurrent claims win', async () => {
    for (let round = 0; round < 3; round++) {
      const job = await created('racers');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.claim('racers', job.jobId, LEASE)),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.attempt).toBe(1);
      expect((await store.get('racers', job.jobId))?.attempt).toBe(1);
    }
  });
});

describe('progress', () => {
  it('only moves forward, only under the current attempt, only while PROCESSING', async () => {
    const job = await created('progress');
    const claimed = await store.claim('progress', job.jobId, 60_000);
    const attempt = claimed?.attempt as number;
    expect(await store.reportProgress('progress', job.jobId, attempt, 'decoding', 10)).toBe(true);
    expect(await store.reportProgress('progress', job.jobId, attempt, 'decoding', 5)).toBe(false);
    expect(await store.reportProgress('progress', job.jobId, attempt, 'other', 10)).toBe(false);
    expect(await store.get('progress', job.jobId)).toMatchObject({ progress: 10, stage: 'decoding' });
    expect(await store.reportProgress('progress', job.jobId, attempt, 'writing', 60)).toBe(true);
    expect(await store.reportProgress('progress', job.jobId, attempt + 1, 'writing', 70)).toBe(false);
    expect(await store.get('progress', job.jobId)).toMatchObject({ progress: 60, stage: 'writing' });

    await store.transition('progress', job.jobId, 'COMPLETED', {
      attempt,
      set: { progress: 100, stage: 'done' },
    });
    expect(await store.reportProgress('progress', job.jobId, attempt, 'writing', 99)).toBe(false);
    expect(await store.get('progress', job.jobId)).toMatchObject({ status: 'COMPLETED', progress: 100 });
  });

  it('is refused for a job that is not PROCESSING', async () => {
    const job = await created('progress');
    expect(await store.reportProgress('progress', job.jobId, 0, 'decoding', 10)).toBe(false);
  });
});

describe('idempotency keys', () => {
  it('returns the first reservation to every later caller, per tenant', async () => {
    const first = nextId();
    const second = nextId();
    expect(await store.reserveIdempotencyKey('acme', 'order-42', first, 'hash-a')).toEqual({
      jobId: first,
      requestHash: 'hash-a',
    });
    expect(await store.reserveIdempotencyKey('acme', 'order-42', second, 'hash-b')).toEqual({
      jobId: first,
      requestHash: 'hash-a',
    });
    // The same key under another tenant is another record.
    expect(await store.reserveIdempotencyKey('other', 'order-42', second, 'hash-b')).toEqual({
      jobId: second,
      requestHash: 'hash-b',
    });
  });

  it('lets exactly one of concurrent reservations win', async () => {
    const ids = Array.from({ length: 4 }, () => nextId());
    const results = await Promise.all(ids.map((id) => store.reserveIdempotencyKey('acme', 'race', id, id)));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(ids).toContain(results[0]?.jobId);
  });
});

describe('API keys', () => {
  const hash = 'a'.repeat(64);

  it('stores a key hash and finds its tenant', async () => {
    await store.putKeyHash(hash, 'acme');
    await store.putKeyHash(hash, 'acme'); // idempotent
    expect(await store.tenantForKeyHash(hash)).toBe('acme');
    expect(await store.tenantForKeyHash('b'.repeat(64))).toBeUndefined();
    expect(await store.tenantForKeyHash('not-a-hash')).toBeUndefined();
  });

  it('refuses to move a key hash to another tenant', async () => {
    const other = 'c'.repeat(64);
    await store.putKeyHash(other, 'acme');
    await expect(store.putKeyHash(other, 'mallory')).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.tenantForKeyHash(other)).toBe('acme');
  });
});

describe('active jobs (admission)', () => {
  it('counts a tenant’s unfinished jobs through the sparse index, and stops at the limit asked', async () => {
    const tenant = 'counted';
    const jobs = Array.from({ length: 5 }, () => makeJob(tenant, { status: 'QUEUED' }));
    for (const job of jobs) await store.create(job);
    // A job waiting for its upload does not count until it is claimed (abandoned uploads never block).
    const awaiting = makeJob(tenant, { status: 'AWAITING_UPLOAD' });
    await store.create(awaiting);
    await store.create(makeJob('someone-else', { status: 'QUEUED' }));
    expect(await store.countActive(tenant, 100)).toBe(5);
    await store.claim(tenant, awaiting.jobId, 60_000);
    expect(await store.countActive(tenant, 100)).toBe(6);
    expect(await store.countActive(tenant, 3)).toBe(3);

    // Terminal transitions leave the index; a retry (FAILED → QUEUED) joins it again.
    const [first, second] = jobs as [Job, Job];
    await store.transition(tenant, first.jobId, 'CANCELLED');
    await store.transition(tenant, second.jobId, 'FAILED');
    expect(await store.countActive(tenant, 100)).toBe(4);
    await store.transition(tenant, second.jobId, 'QUEUED');
    expect(await store.countActive(tenant, 100)).toBe(5);
    expect(await store.get(tenant, second.jobId)).not.toHaveProperty('activeTenant');
  });
});

describe('default client', () => {
  it('reaches DynamoDB through AWS_ENDPOINT_URL_DYNAMODB when no client is injected', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = emulators.dynamodb.endpoint;
    resetDefaultClients();
    try {
      const viaDefault = new DynamoDbJobStore({ tableName: TABLE });
      const job = makeJob('defaults');
      expect(await viaDefault.create(job)).toBe(true);
      expect(await store.get('defaults', job.jobId)).toMatchObject(job);
    } finally {
      resetDefaultClients();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
    }
  });
});
