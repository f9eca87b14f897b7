/**
 * Batches over the real adapters (dynalite for batch and job state, s3rver for reports): the API use
 * cases and the state machine's tasks. The task-token callbacks, the queue, the orchestrator and the
 * event publisher are in-memory ports here; test/e2e/batches.test.ts runs the real engine.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbBatchStore } from '../../src/adapters/aws/dynamodb-batch-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { problemFor } from '../../src/adapters/http/problems.js';
import type { BatchEvent } from '../../src/batches/batch-events.js';
import { BatchRunner } from '../../src/batches/batch-runner.js';
import { BatchService } from '../../src/batches/batch-service.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import { DomainError } from '../../src/core/domain-error.js';
import type { JobEvent } from '../../src/core/events.js';
import type { Priority } from '../../src/core/job.js';
import { PresetService } from '../../src/presets/preset-service.js';
import { createJobsTable } from '../support/jobs-table.js';

const TABLE = 'batches-test';
const OUTPUTS = 'outputs-batches-test';
let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
let jobs: DynamoDbJobStore;
let batches: DynamoDbBatchStore;
let service: BatchService;
let runner: BatchRunner;
let enqueued: { tenant: string; jobId: string; priority: Priority }[];
let callbacks: { token: string; output: { state: string; jobId?: string; status?: string } }[];
let started: string[];
let scheduled: { batchId: string; at: Date }[];
let events: (JobEvent | BatchEvent)[];

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  s3 = new S3Client({ endpoint: emulators.s3.endpoint, forcePathStyle: true, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: OUTPUTS }));
  jobs = new DynamoDbJobStore({ tableName: TABLE, client: dynamo });
  batches = new DynamoDbBatchStore({ tableName: TABLE, client: dynamo });
  const objects = new S3ObjectStore({ client: s3 });
  const queue = { enqueue: async (m: (typeof enqueued)[number]) => void enqueued.push(m) };
  const config: PipelineConfig = {
    uploadsBucket: 'uploads',
    outputsBucket: OUTPUTS,
    jobsTable: TABLE,
    maxUploadBytes: 1024,
    uploadUrlTtlSeconds: 60,
    jobLeaseMs: 60_000,
    maxVideoUploadBytes: 1024 * 1024,
    videoLeaseMs: 3_600_000,
    maxActiveJobsPerTenant: 100,
    stage: 'dev',
  };
  service = new BatchService({
    batches,
    jobs,
    objects,
    queue,
    presets: new PresetService(new DynamoDbPresetStore({ tableName: TABLE, client: dynamo })),
    config,
    orchestrator: {
      start: async (_tenant, batchId) => void started.push(batchId),
      schedule: async (_tenant, batchId, at) => void scheduled.push({ batchId, at }),
      unschedule: async () => {},
      executionArnFor: (batchId, run) =>
        `arn:aws:states:us-east-1:000000000000:execution:batches:${batchId}-r${run}`,
      status: async () => ({ state: 'missing' }),
    },
  });
  runner = new BatchRunner({
    batches,
    jobs,
    queue,
    objects,
    outputsBucket: OUTPUTS,
    callbacks: {
      succeed: async (token, output) => {
        callbacks.push({ token, output: output as (typeof callbacks)[number]['output'] });
        return true;
      },
    },
    events: { publish: async (published) => void events.push(...(published as typeof events)) },
  });
});

beforeEach(() => {
  enqueued = [];
  callbacks = [];
  started = [];
  scheduled = [];
  events = [];
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await emulators?.stop();
});

const spec = (ref: string, dependsOn?: string[]) => ({
  ref,
  source: { key: `t/acme/in/${ref}.jpg` },
  ...(dependsOn ? { dependsOn } : {}),
});

async function problemOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return problemFor(error as DomainError).details;
}

/** What a worker does to a job: claim it, then end it. */
async function work(jobId: string, outcome: 'COMPLETED' | 'FAILED') {
  const claimed = await jobs.claim('acme', jobId, 60_000);
  expect(claimed?.status).toBe('PROCESSING');
  await jobs.transition('acme', jobId, outcome, {
    attempt: claimed?.attempt,
    set: {
      completedAt: new Date().toISOString(),
      ...(outcome === 'FAILED'
        ? { error: { code: 'CORRUPT_MEDIA', message: 'bad bytes', retryable: false } }
        : {
            outputs: [
              { name: 'web', key: `t/acme/out/${jobId}.webp`, format: 'webp', width: 1, height: 1, bytes: 9 },
            ],
          }),
    },
  });
  await runner.onJobEnded('acme', jobId);
}

describe('POST /batches validation', () => {
  it('refuses a dependency cycle, naming the jobs on it, and writes nothing', async () => {
    const details = await problemOf(
      service.create('acme', {
        name: 'c',
        jobs: [spec('a', ['c']), spec('b', ['a']), spec('c', ['b']), spec('d')],
      }),
    );
    expect(details.status).toBe(422);
    expect(details.code).toBe('INVALID_DEPENDENCIES');
    expect(details.errors?.map((e) => e.path).sort()).toEqual(['jobs[ref=a]', 'jobs[ref=b]', 'jobs[ref=c]']);
    expect(started).toEqual([]);
  });

  it('refuses unknown dependencies, keys of another tenant, bad limits and bodies', async () => {
    expect((await problemOf(service.create('acme', { name: 'x', jobs: [spec('a', ['zz'])] }))).status).toBe(
      422,
    );
    const foreign = { name: 'x', jobs: [{ ref: 'a', source: { key: 't/other/a.jpg' } }] };
    expect((await problemOf(service.create('acme', foreign))).code).toBe('KEY_OUTSIDE_TENANT');
    const tooWide = { name: 'x', maxConcurrency: 65, jobs: [spec('a')] };
    expect((await problemOf(service.create('acme', tooWide))).status).toBe(400);
    expect((await problemOf(service.create('acme', { name: 'x', jobs: [] }))).status).toBe(400);
    expect((await problemOf(service.create('acme', 'not an object'))).status).toBe(400);
  });
});

describe('a batch through its tasks', () => {
  it('creates PENDING jobs in order, starts its execution once per Idempotency-Key', async () => {
    const body = {
      name: 'three',
      maxConcurrency: 2,
      priority: 'low',
      jobs: [spec('a'), spec('b'), spec('c')],
    };
    const first = await service.create('acme', body, 'key-1');
    const again = await service.create('acme', body, 'key-1');
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.batch.id).toBe(first.batch.id);
    expect(first.batch).toMatchObject({
      status: 'SCHEDULED',
      total: 3,
      counts: { PENDING: 3 },
      percentComplete: 0,
    });
    // The replay starts it again: StartExecution with the batch's name is idempotent.
    expect(new Set(started)).toEqual(new Set([first.batch.id]));
    const page = await service.get('acme', first.batch.id, { limit: '2' });
    expect(page.jobs.map((j) => j.batch?.ref)).toEqual(['a', 'b']);
    const rest = await service.get('acme', first.batch.id, { limit: '2', cursor: page.cursor });
    expect(rest.jobs.map((j) => j.batch?.ref)).toEqual(['c']);
    expect(rest.jobs[0]?.priority).toBe('low');
    const reused = await problemOf(service.create('acme', { ...body, name: 'other' }, 'key-1'));
    expect(reused.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('runs slots: each next starts one job with its token; the job ending returns the token', async () => {
    const { batch } = await service.create('acme', {
      name: 'run',
      maxConcurrency: 2,
      jobs: [spec('a'), spec('b'), spec('c')],
    });
    const plan = await runner.start('acme', batch.id);
    expect(plan.slots).toEqual([0, 1]);
    expect(events.map((e) => e.type)).toEqual(['media.batch.started']);
    const a = await runner.next('acme', batch.id, 'token-1');
    const b = await runner.next('acme', batch.id, 'token-2');
    expect(enqueued.map((m) => m.jobId)).toEqual([a.started, b.started]);
    expect((await jobs.get('acme', a.started as string))?.batchTaskToken).toBe('token-1');
    expect((await runner.finish('acme', batch.id)).state).toBe('more');
    await work(a.started as string, 'COMPLETED');
    expect(callbacks).toEqual([
      { token: 'token-1', output: { state: 'ran', jobId: a.started, status: 'COMPLETED' } },
    ]);
    const c = await runner.next('acme', batch.id, 'token-3');
    await work(b.started as string, 'FAILED');
    await work(c.started as string, 'COMPLETED');
    await runner.next('acme', batch.id, 'token-4');
    expect(callbacks.at(-1)).toEqual({ token: 'token-4', output: { state: 'done' } });
    expect(await runner.finish('acme', batch.id)).toEqual({ state: 'done' });
    const view = await service.get('acme', batch.id);
    expect(view).toMatchObject({
      status: 'COMPLETED',
      counts: { COMPLETED: 2, FAILED: 1 },
      percentComplete: 100,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'media.batch.completed',
      detail: { batch: { counts: { COMPLETED: 2, FAILED: 1 } } },
    });

    const report = JSON.parse(await service.report('acme', batch.id, 'json'));
    expect(report.jobs.map((j: { ref: string; status: string }) => `${j.ref}:${j.status}`)).toEqual([
      'a:COMPLETED',
      'b:FAILED',
      'c:COMPLETED',
    ]);
    const csv = await service.report('acme', batch.id, 'csv');
    expect(csv.split('\r\n')[0]).toMatch(/^jobId,ref,status,source,outputs/);
    expect(csv).toContain('CORRUPT_MEDIA');

    // Retry the failed job inside the finished batch: counts and the report follow.
    const retried = await service.retryJob('acme', batch.id, b.started as string);
    expect(retried.status).toBe('QUEUED');
    expect(enqueued.at(-1)).toMatchObject({ jobId: b.started, priority: 'normal' });
    expect((await service.get('acme', batch.id)).counts).toEqual({ COMPLETED: 2, QUEUED: 1 });
    await work(b.started as string, 'COMPLETED');
    expect((await service.get('acme', batch.id)).counts).toEqual({ COMPLETED: 3 });
    const rewritten = JSON.parse(await service.report('acme', batch.id, 'json'));
    expect(rewritten.counts).toEqual({ COMPLETED: 3 });
  });

  it('honours dependsOn: waits while a dependency runs, fails dependents of a failed job', async () => {
    const { batch } = await service.create('acme', {
      name: 'deps',
      maxConcurrency: 3,
      jobs: [spec('a'), spec('b', ['a']), spec('c', ['b']), spec('x'), spec('y', ['x'])],
    });
    await runner.start('acme', batch.id);
    const a = await runner.next('acme', batch.id, 't1');
    const x = await runner.next('acme', batch.id, 't2');
    await runner.next('acme', batch.id, 't3');
    expect(callbacks).toEqual([{ token: 't3', output: { state: 'wait' } }]);
    await work(x.started as string, 'FAILED');
    await work(a.started as string, 'COMPLETED');
    const b = await runner.next('acme', batch.id, 't4');
    const all = (await service.get('acme', batch.id)).jobs;
    const byRef = Object.fromEntries(all.map((j) => [j.batch?.ref, j]));
    expect(b.started).toBe(byRef.b?.id);
    await work(b.started as string, 'COMPLETED');
    const c = await runner.next('acme', batch.id, 't5');
    expect(c.started).toBe(byRef.c?.id);
    // The next slot to look finds y's dependency failed: y fails without starting, nothing is left.
    expect(await runner.next('acme', batch.id, 't6')).toEqual({});
    expect(callbacks.at(-1)).toEqual({ token: 't6', output: { state: 'done' } });
    expect(await jobs.get('acme', byRef.y?.id as string)).toMatchObject({
      status: 'FAILED',
      error: { code: 'DEPENDENCY_FAILED' },
    });
    expect(enqueued.map((m) => m.jobId)).not.toContain(byRef.y?.id);
  });

  it('cancel: pending jobs never start, running ones end CANCELLED, the batch reports CANCELLED', async () => {
    const { batch } = await service.create('acme', {
      name: 'stop',
      maxConcurrency: 1,
      jobs: [spec('a'), spec('b'), spec('c')],
    });
    await runner.start('acme', batch.id);
    const a = await runner.next('acme', batch.id, 't1');
    const cancelled = await service.cancel('acme', batch.id);
    expect(cancelled.status).toBe('CANCELLED');
    expect((await jobs.get('acme', a.started as string))?.status).toBe('CANCELLED');
    await runner.onJobEnded('acme', a.started as string);
    expect(callbacks.at(-1)?.output.state).toBe('ran');
    expect(await runner.next('acme', batch.id, 't2')).toEqual({});
    expect(callbacks.at(-1)).toEqual({ token: 't2', output: { state: 'done' } });
    await runner.finish('acme', batch.id);
    const view = await service.get('acme', batch.id);
    expect(view).toMatchObject({ status: 'CANCELLED', counts: { CANCELLED: 3 } });
    expect(enqueued).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('media.batch.cancelled');
    expect((await problemOf(service.cancel('acme', batch.id))).status).toBe(409);
  });

  it('cancels one job without touching the others; a job of another batch is not found', async () => {
    const { batch } = await service.create('acme', { name: 'one', jobs: [spec('a'), spec('b')] });
    const [a, b] = (await service.get('acme', batch.id)).jobs;
    expect((await service.cancelJob('acme', batch.id, a?.id as string)).status).toBe('CANCELLED');
    expect((await jobs.get('acme', b?.id as string))?.status).toBe('PENDING');
    expect((await problemOf(service.cancelJob('acme', batch.id, a?.id as string))).status).toBe(409);
    const other = await service.create('acme', { name: 'two', jobs: [spec('z')] });
    expect((await problemOf(service.cancelJob('acme', other.batch.id, b?.id as string))).status).toBe(404);
    expect((await problemOf(service.retryJob('acme', batch.id, b?.id as string))).status).toBe(409);
    expect((await problemOf(service.report('acme', batch.id, 'json'))).code).toBe('REPORT_NOT_READY');
  });

  it('startAt in the future schedules the batch instead of starting it', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const { batch } = await service.create('acme', {
      name: 'later',
      startAt: at.toISOString(),
      jobs: [spec('a')],
    });
    expect(batch.status).toBe('SCHEDULED');
    expect(started).toEqual([]);
    expect(scheduled).toEqual([{ batchId: batch.id, at: new Date(Math.floor(at.getTime())) }]);
  });
});

describe('GET /batches', () => {
  it("lists a tenant's batches newest first in pages, without another tenant's", async () => {
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const { batch } = await service.create('lister', {
        name,
        jobs: [{ ref: 'a', source: { key: 't/lister/in/a.jpg' } }],
      });
      ids.push(batch.id);
    }
    await service.create('acme', { name: 'theirs', jobs: [spec('x')] });
    const first = await service.list('lister', { limit: '2' });
    expect(first.batches.map((b) => b.name)).toEqual(['third', 'second']);
    expect(first.batches[0]).toMatchObject({ id: ids[2], total: 1, report: { available: false } });
    expect(first.batches[0]).not.toHaveProperty('counts');
    const rest = await service.list('lister', { limit: '2', cursor: first.cursor });
    expect(rest.batches.map((b) => b.name)).toEqual(['first']);
    expect(rest.cursor).toBeUndefined();
    expect((await problemOf(service.list('lister', { limit: '0' }))).status).toBe(400);
    expect((await problemOf(service.list('lister', { cursor: 'nope' }))).status).toBe(400);
  });
});
