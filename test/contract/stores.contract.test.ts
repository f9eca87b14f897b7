/**
 * Each in-memory fake and its real adapter (DynamoDB on dynalite) pass the same assertions, so unit tests
 * on the fakes test what production does. Add a store here when its fake is added.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbDeadLetterStore } from '../../src/adapters/aws/dynamodb-dead-letter-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import { DynamoDbRateLimitStore } from '../../src/adapters/aws/dynamodb-rate-limit-store.js';
import { type Job, JobRequest, type OutputSpec } from '../../src/core/job.js';
import { ConditionFailedError, type JobStore } from '../../src/core/ports.js';
import { InMemoryJobStore } from '../../src/jobs/in-memory-job-store.js';
import { InMemoryDeadLetterStore } from '../../src/operations/in-memory-dead-letter-store.js';
import type { DeadLetter, DeadLetterStore } from '../../src/operations/ports.js';
import { InMemoryPresetStore } from '../../src/presets/in-memory-preset-store.js';
import type { PresetStore } from '../../src/presets/ports.js';
import { hashApiKey } from '../../src/tenants/api-keys.js';
import { InMemoryApiKeyStore } from '../../src/tenants/in-memory-api-key-store.js';
import { InMemoryRateLimitStore } from '../../src/tenants/in-memory-rate-limit-store.js';
import type { ApiKeyStore, RateLimitStore } from '../../src/tenants/ports.js';
import { createJobsTable } from '../support/jobs-table.js';

const TABLE = 'contract-jobs';
let emulators: Emulators;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
});
afterAll(async () => {
  dynamo?.destroy();
  await emulators?.stop();
});

const thumb: OutputSpec[] = [{ name: 'thumb', format: 'webp', width: 128 } as OutputSpec];
const large: OutputSpec[] = [{ name: 'large', format: 'jpeg', width: 2048 } as OutputSpec];

const presetStores: [string, () => PresetStore][] = [
  ['in memory', () => new InMemoryPresetStore()],
  ['DynamoDB', () => new DynamoDbPresetStore({ tableName: TABLE, client: dynamo })],
];

describe.each(presetStores)('PresetStore contract: %s', (kind, make) => {
  const tenant = `presets-${kind.replace(/\W/g, '')}`;

  it('creates, replaces, reads and deletes a preset, telling created from replaced', async () => {
    const store = make();
    expect(await store.get(tenant, 'web')).toBeUndefined();
    expect(await store.put(tenant, 'web', thumb)).toBe(true);
    expect(await store.put(tenant, 'web', large)).toBe(false);
    expect(await store.get(tenant, 'web')).toEqual(large);
    expect(await store.delete(tenant, 'web')).toBe(true);
    expect(await store.delete(tenant, 'web')).toBe(false);
    expect(await store.get(tenant, 'web')).toBeUndefined();
  });

  it("lists one tenant's presets by name, with their time, and never another tenant's", async () => {
    const store = make();
    await store.put(tenant, 'b-large', large);
    await store.put(tenant, 'a-thumb', thumb);
    await store.put(`${tenant}-other`, 'c-other', thumb);
    const listed = await store.list(tenant);
    expect(listed.map((p) => p.name)).toEqual(['a-thumb', 'b-large']);
    expect(listed[0]?.outputs).toEqual(thumb);
    expect(Number.isNaN(Date.parse(listed[0]?.updatedAt ?? ''))).toBe(false);
  });

  it('returns copies: changing what it returned does not change what is stored', async () => {
    const store = make();
    await store.put(tenant, 'copy', thumb);
    const read = (await store.get(tenant, 'copy')) as OutputSpec[];
    (read[0] as { width?: number }).width = 1;
    expect(await store.get(tenant, 'copy')).toEqual(thumb);
  });
});

const apiKeyStores: [string, () => ApiKeyStore][] = [
  ['in memory', () => new InMemoryApiKeyStore()],
  ['DynamoDB', () => new DynamoDbJobStore({ tableName: TABLE, client: dynamo })],
];

describe.each(apiKeyStores)('ApiKeyStore contract: %s', (kind) => {
  const make = apiKeyStores.find(([k]) => k === kind)?.[1] as () => ApiKeyStore;
  const hash = hashApiKey(`contract-key-${kind}`);

  it('resolves a stored key hash to its tenant until it is revoked', async () => {
    const store = make();
    expect(await store.tenantForKeyHash(hash)).toBeUndefined();
    await store.putKeyHash(hash, 'acme');
    await store.putKeyHash(hash, 'acme'); // idempotent for the same tenant
    expect(await store.tenantForKeyHash(hash)).toBe('acme');
    expect(await store.deleteKeyHash(hash)).toBe('acme');
    expect(await store.deleteKeyHash(hash)).toBeUndefined();
    expect(await store.tenantForKeyHash(hash)).toBeUndefined();
  });

  it('refuses to move a key hash to another tenant, and a hash that is not SHA-256 hex', async () => {
    const store = make();
    const taken = hashApiKey(`taken-${kind}`);
    await store.putKeyHash(taken, 'acme');
    await expect(store.putKeyHash(taken, 'globex')).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.tenantForKeyHash(taken)).toBe('acme');
    await expect(store.putKeyHash('not-a-hash', 'acme')).rejects.toBeInstanceOf(TypeError);
  });
});

const rateLimitStores: [string, () => RateLimitStore][] = [
  ['in memory', () => new InMemoryRateLimitStore()],
  ['DynamoDB', () => new DynamoDbRateLimitStore({ tableName: TABLE, client: dynamo })],
];

describe.each(rateLimitStores)('RateLimitStore contract: %s', (kind, make) => {
  const tenant = `rl-${kind.replace(/\W/g, '')}`;

  it('restarts an absent or past time, advances one within the bound only, and reads it', async () => {
    const store = make();
    expect(await store.read(tenant, 'submit')).toBeUndefined();
    expect(await store.advance(tenant, 'submit', 100, 10_000)).toBeUndefined();
    expect(await store.restart(tenant, 'submit', 1_000, 1_100)).toBe(true);
    expect(await store.restart(tenant, 'submit', 1_050, 1_150)).toBe(false);
    expect(await store.advance(tenant, 'submit', 100, 1_100)).toBe(1_200);
    expect(await store.advance(tenant, 'submit', 100, 1_100)).toBeUndefined();
    expect(await store.read(tenant, 'submit')).toBe(1_200);
    expect(await store.read(tenant, 'read')).toBeUndefined();
    expect(await store.restart(tenant, 'submit', 1_200, 1_300)).toBe(true);
  });

  it("keeps a tenant's overrides, replaced whole", async () => {
    const store = make();
    expect(await store.overrides(tenant)).toBeUndefined();
    await store.setOverrides(tenant, { submit: { ratePerSecond: 5, burst: 10 } });
    await store.setOverrides(tenant, { read: { ratePerSecond: 50, burst: 100 } });
    expect(await store.overrides(tenant)).toEqual({ read: { ratePerSecond: 50, burst: 100 } });
  });
});

const deadLetterStores: [string, () => DeadLetterStore][] = [
  ['in memory', () => new InMemoryDeadLetterStore()],
  ['DynamoDB', () => new DynamoDbDeadLetterStore({ tableName: TABLE, client: dynamo })],
];

describe.each(deadLetterStores)('DeadLetterStore contract: %s', (kind, make) => {
  const tenant = `dlq-${kind.replace(/\W/g, '')}`;
  const letter = (jobId: string, t = tenant): DeadLetter => ({
    tenant: t,
    jobId,
    priority: 'high',
    deadLetteredAt: '2030-01-01T00:00:00.000Z',
    reason: 'every delivery failed',
  });

  it('keeps one dead letter per job, pages them oldest job first, counts and removes them', async () => {
    const store = make();
    const ids = ['01J00000000000000000000003', '01J00000000000000000000001', '01J00000000000000000000002'];
    for (const id of ids) await store.put(letter(id));
    await store.put(letter(ids[0] as string));
    await store.put(letter('01J00000000000000000000009', `${tenant}-other`));
    const first = await store.list(tenant, { limit: 2 });
    expect(first.deadLetters.map((d) => d.jobId)).toEqual([ids[1], ids[2]]);
    expect(first.deadLetters[0]).toEqual(letter(ids[1] as string));
    const second = await store.list(tenant, { limit: 2, cursor: first.cursor });
    expect(second).toEqual({ deadLetters: [letter(ids[0] as string)], cursor: undefined });
    expect(await store.count(tenant, 100)).toBe(3);
    expect(await store.count(tenant, 2)).toBe(2);
    await store.remove(tenant, ids[1] as string);
    await store.remove(tenant, 'never-there');
    expect(await store.count(tenant, 100)).toBe(2);
    expect(await store.count(`${tenant}-other`, 100)).toBe(1);
  });

  it('refuses a cursor it did not issue', async () => {
    const store = make();
    await expect(store.list(tenant, { limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });
});

const jobStores: [string, (now: () => number) => JobStore][] = [
  ['in memory', (now) => new InMemoryJobStore(now)],
  ['DynamoDB', (now) => new DynamoDbJobStore({ tableName: TABLE, client: dynamo, now })],
];

describe.each(jobStores)('JobStore contract: %s', (kind, make) => {
  let clock = Date.parse('2030-03-01T00:00:00.000Z');
  const now = () => clock;
  const tenant = `jobs-${kind.replace(/\W/g, '')}`;
  const job = (n: number, status: Job['status'] = 'QUEUED'): Job => {
    const jobId = ulid(clock + n);
    return {
      tenant,
      jobId,
      status,
      stage: 'queued',
      progress: 0,
      attempt: 0,
      request: JobRequest.parse({}),
      source: { bucket: 'uploads', key: `t/${tenant}/${jobId}.jpg` },
      createdAt: new Date(clock).toISOString(),
      updatedAt: new Date(clock).toISOString(),
    };
  };
  // The DynamoDB adapter keeps its outbox on the job; the port's behaviour is everything else.
  const visible = (stored: Job | undefined) => {
    if (!stored) return stored;
    const { outbox, outboxAt, ...rest } = stored;
    return rest;
  };

  it('creates once, reads a copy back, and pages newest first with a cursor', async () => {
    const store = make(now);
    const jobs = [job(1), job(2), job(3)];
    for (const j of jobs) expect(await store.create(j)).toBe(true);
    expect(await store.create(jobs[0] as Job)).toBe(false);
    expect(visible(await store.get(tenant, (jobs[0] as Job).jobId))).toEqual(jobs[0]);
    expect(await store.get(tenant, ulid())).toBeUndefined();
    const first = await store.list(tenant, { limit: 2 });
    expect(first.jobs.map((j) => j.jobId)).toEqual([jobs[2]?.jobId, jobs[1]?.jobId]);
    const second = await store.list(tenant, { limit: 2, cursor: first.cursor });
    expect(second.jobs.map((j) => j.jobId)).toEqual([jobs[0]?.jobId]);
    expect(second.cursor).toBeUndefined();
    await expect(store.list(tenant, { limit: 2, cursor: 'forged' })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });

  it('moves only along ALLOWED_FROM (narrowed by from, fenced by attempt), setting and removing fields', async () => {
    const store = make(now);
    const queued = job(10);
    await store.create(queued);
    clock += 1000;
    const claimed = await store.claim(tenant, queued.jobId, 30_000);
    expect(claimed).toMatchObject({ status: 'PROCESSING', attempt: 1, leaseUntil: clock + 30_000 });
    await expect(store.transition(tenant, queued.jobId, 'COMPLETED', { attempt: 2 })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    const failed = await store.transition(tenant, queued.jobId, 'FAILED', {
      attempt: 1,
      set: { stage: 'failed', error: { code: 'INTERNAL', message: 'x', retryable: false } },
    });
    expect(failed).toMatchObject({ status: 'FAILED', stage: 'failed', error: { code: 'INTERNAL' } });
    await expect(store.transition(tenant, queued.jobId, 'COMPLETED')).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    await expect(
      store.transition(tenant, queued.jobId, 'QUEUED', { from: ['CANCELLED'] }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    const retried = await store.transition(tenant, queued.jobId, 'QUEUED', {
      from: ['FAILED'],
      set: { error: undefined, stage: 'queued' },
    });
    expect(retried.status).toBe('QUEUED');
    expect(retried.error).toBeUndefined();
    expect(visible(await store.get(tenant, queued.jobId))).toEqual(visible(retried));
    await expect(store.transition(tenant, ulid(), 'FAILED')).rejects.toBeInstanceOf(ConditionFailedError);
    await expect(
      store.transition(tenant, queued.jobId, 'FAILED', { set: { jobId: 'other' } as never }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('claims once per live lease, takes over an expired one, fences heartbeats and progress by attempt', async () => {
    const store = make(now);
    const queued = job(20);
    await store.create(queued);
    const first = await store.claim(tenant, queued.jobId, 10_000);
    expect(first?.attempt).toBe(1);
    expect(await store.claim(tenant, queued.jobId, 10_000)).toBeUndefined();
    expect(await store.reportProgress(tenant, queued.jobId, 1, 'resizing', 40)).toBe(true);
    expect(await store.reportProgress(tenant, queued.jobId, 1, 'resizing', 30)).toBe(false);
    expect(await store.reportProgress(tenant, queued.jobId, 2, 'resizing', 50)).toBe(false);
    expect(await store.extendLease(tenant, queued.jobId, 1, 10_000)).toBe(true);
    clock += 20_001;
    expect(await store.claim(tenant, queued.jobId, 10_000, clock, 0)).toBeUndefined();
    const takeover = await store.claim(tenant, queued.jobId, 10_000, clock, 1);
    expect(takeover).toMatchObject({ attempt: 2, status: 'PROCESSING', progress: 40 });
    expect(takeover?.startedAt).toBe(first?.startedAt);
    expect(await store.extendLease(tenant, queued.jobId, 1, 10_000)).toBe(false);
    expect(await store.reportProgress(tenant, queued.jobId, 2, 'encoding', 60, { etaSeconds: 4.6 })).toBe(
      true,
    );
    expect(await store.get(tenant, queued.jobId)).toMatchObject({
      progress: 60,
      stage: 'encoding',
      etaSeconds: 5,
    });
    await store.transition(tenant, queued.jobId, 'COMPLETED', { attempt: 2 });
    expect(await store.claim(tenant, queued.jobId, 10_000)).toBeUndefined();
  });

  it('counts queued and processing jobs only, up to a bound; reserves an idempotency key once', async () => {
    const store = make(now);
    const counted = `${tenant}-count`;
    const mine = (n: number, status: Job['status']) => ({ ...job(n, status), tenant: counted });
    const created = [
      mine(30, 'QUEUED'),
      mine(31, 'QUEUED'),
      mine(32, 'AWAITING_UPLOAD'),
      mine(33, 'COMPLETED'),
    ];
    for (const j of created) await store.create(j);
    // A claimed job still counts (PROCESSING); an upload not yet made and a finished job do not.
    expect(await store.claim(counted, (created[1] as Job).jobId, 10_000)).toBeDefined();
    expect(await store.countActive(counted, 100)).toBe(2);
    expect(await store.countActive(counted, 1)).toBe(1);
    expect(await store.reserveIdempotencyKey(counted, 'k', 'job-a', 'h1')).toEqual({
      jobId: 'job-a',
      requestHash: 'h1',
    });
    expect(await store.reserveIdempotencyKey(counted, 'k', 'job-b', 'h2')).toEqual({
      jobId: 'job-a',
      requestHash: 'h1',
    });
    expect(await store.reserveIdempotencyKey(`${counted}-2`, 'k', 'job-c', 'h3')).toEqual({
      jobId: 'job-c',
      requestHash: 'h3',
    });
  });
});
