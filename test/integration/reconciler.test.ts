import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import { DynamoDbReconcileIndex } from '../../src/adapters/aws/dynamodb-reconcile-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import type { Job, Priority } from '../../src/core/job.js';
import { outputKey, uploadKey } from '../../src/core/keys.js';
import type { VideoOrchestrator } from '../../src/core/ports.js';
import { JobService } from '../../src/jobs/job-service.js';
import { PresetService } from '../../src/presets/preset-service.js';
import { type ReconcilerDeps, reconcile } from '../../src/reconciler/reconciler.js';
import { RECONCILE_DELAYS, RECONCILE_SHARDS } from '../../src/reconciler/schedule.js';
import { createJobsTable } from '../support/jobs-table.js';

// Every reconciler rule over the real adapters: dynalite (the ReconcileDue index), s3rver, fauxqs.
const TABLE = 'reconciler-test';
const UPLOADS = 'uploads-reconcile';
const OUTPUTS = 'outputs-reconcile';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
let clock = T0;
const now = () => clock;
let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
let sqs: SQSClient;
let store: DynamoDbJobStore;
let index: DynamoDbReconcileIndex;
let queueUrls: Record<Priority, string>;
let videoState: Awaited<ReturnType<VideoOrchestrator['status']>> = { state: 'running' };
let deps: ReconcilerDeps;

const video: VideoOrchestrator = {
  executionArnFor: (jobId, attempt) => `arn:aws:states:us-east-1:0:execution:video:${jobId}-a${attempt}`,
  start: async (job) => video.executionArnFor(job.jobId, job.attempt),
  stop: async () => undefined,
  status: async () => videoState,
};

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  s3 = new S3Client({ endpoint: emulators.s3.endpoint, forcePathStyle: true, maxAttempts: 2 });
  sqs = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  for (const Bucket of [UPLOADS, OUTPUTS]) await s3.send(new CreateBucketCommand({ Bucket }));
  const urls: Partial<Record<Priority, string>> = {};
  for (const priority of ['urgent', 'high', 'normal', 'low'] as const) {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: `reconcile-${priority}` }));
    urls[priority] = out.QueueUrl as string;
  }
  queueUrls = urls as Record<Priority, string>;
  store = new DynamoDbJobStore({ tableName: TABLE, client: dynamo, now });
  index = new DynamoDbReconcileIndex({ tableName: TABLE, client: dynamo });
  deps = {
    index,
    jobs: store,
    queue: new SqsJobQueue({ queueUrls, client: sqs }),
    objects: new S3ObjectStore({ client: s3 }),
    outputsBucket: OUTPUTS,
    uploadUrlTtlSeconds: 900,
    video,
    now,
  };
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  sqs?.destroy();
  await emulators?.stop();
});

beforeEach(async () => {
  // Each test starts with nothing due: earlier tests' jobs are ended or far in the future.
  clock += 24 * 3600_000;
  await drainIndex();
  await drainQueues();
});

/** Ends whatever an earlier test left unfinished, so it leaves the index. */
async function drainIndex() {
  for (let shard = 0; shard < RECONCILE_SHARDS; shard++) {
    for (const due of await index.due(String(shard), Number.MAX_SAFE_INTEGER, 100)) {
      if (due.kind !== 'job') continue;
      await store
        .transition(due.tenant, due.jobId, 'CANCELLED', { set: { stage: 'cancelled' } })
        .catch(() => {});
    }
  }
}

async function drainQueues() {
  for (const QueueUrl of Object.values(queueUrls)) {
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!out.Messages?.length) break;
    }
  }
}

/** Job ids of the messages waiting on a priority's queue (received, so they are consumed). */
async function messages(priority: Priority): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrls[priority],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    if (!out.Messages?.length) return ids;
    for (const m of out.Messages) ids.push(JSON.parse(m.Body as string).jobId);
  }
}

function newJob(status: Job['status'], overrides: Partial<Job> = {}): Job {
  const jobId = ulid(clock);
  const stamp = new Date(clock).toISOString();
  return {
    tenant: 'acme',
    jobId,
    status,
    stage: 'created',
    progress: 0,
    attempt: 0,
    request: { outputs: { preset: 'thumbnail' }, priority: 'normal', metadataPolicy: 'strip' },
    source: { bucket: UPLOADS, key: uploadKey('acme', jobId, 'a.jpg'), contentType: 'image/jpeg', size: 10 },
    createdAt: stamp,
    updatedAt: stamp,
    ...overrides,
  } as Job;
}

async function created(status: Job['status'], overrides: Partial<Job> = {}) {
  const job = newJob(status, overrides);
  expect(await store.create(job)).toBe(true);
  return job;
}

describe('reconciler: QUEUED jobs without a message', () => {
  it('re-sends a job whose SQS send failed after the QUEUED write (the cloud fault), once per backoff', async () => {
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS, Key: 't/acme/lib/a.jpg', Body: 'x' }));
    const config = {
      uploadsBucket: UPLOADS,
      outputsBucket: OUTPUTS,
      jobsTable: TABLE,
      maxUploadBytes: 1024,
      uploadUrlTtlSeconds: 900,
      jobLeaseMs: 30_000,
      maxVideoUploadBytes: 1024,
      videoLeaseMs: 3_600_000,
      maxActiveJobsPerTenant: 100,
      stage: 'dev',
    } satisfies PipelineConfig;
    const service = new JobService({
      jobs: store,
      objects: deps.objects,
      queue: {
        enqueue: async () => {
          throw Object.assign(new Error('send failed'), { name: 'ServiceUnavailable' });
        },
      },
      presets: new PresetService(new DynamoDbPresetStore({ tableName: TABLE, client: dynamo })),
      config,
      now,
    });
    await expect(
      service.submit('acme', { source: { key: 't/acme/lib/a.jpg' }, priority: 'high' }),
    ).rejects.toThrow('send failed');
    const [job] = (await store.list('acme', { limit: 1 })).jobs;
    expect(job?.status).toBe('QUEUED');

    // Not due yet: a message normally arrives within seconds.
    expect((await reconcile(deps)).examined).toBe(0);
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    const report = await reconcile(deps);
    expect(report.actions).toEqual({ requeued: 1 });
    expect(await messages('high')).toEqual([job?.jobId]);
    // Postponed: the next pass does not send it again.
    expect((await reconcile(deps)).examined).toBe(0);
    // Still not claimed a backoff later (twice the grace): sent once more.
    clock += 2 * RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ requeued: 1 });
    expect(await messages('high')).toEqual([job?.jobId]);
  });

  it('fails a job that was re-driven for its last attempt with RETRIES_EXHAUSTED', async () => {
    const job = await created('QUEUED', { attempt: 10 });
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ exhausted: 1 });
    const ended = await store.get('acme', job.jobId);
    expect(ended).toMatchObject({ status: 'FAILED', error: { code: 'RETRIES_EXHAUSTED', retryable: false } });
    // The failure is recorded as an event in the job's outbox (published as media.job.failed).
    expect(Object.values(ended?.outbox ?? {}).map((e) => e.type)).toContain('media.job.failed');
    expect(await messages('normal')).toEqual([]);
  });
});

describe('reconciler: PROCESSING jobs whose worker died', () => {
  it('leaves a live, renewed lease alone and re-sends the job once the lease has expired', async () => {
    const job = await created('QUEUED');
    const claimed = await store.claim('acme', job.jobId, 30_000, clock, 0);
    expect(claimed?.attempt).toBe(1);
    clock += 20_000;
    // The heartbeat moves the lease, and with it the reconcile time.
    expect(await store.extendLease('acme', job.jobId, 1, 30_000)).toBe(true);
    clock += 20_000;
    expect((await reconcile(deps)).examined).toBe(0);
    // The worker died: no renewal; due at the lease's end plus the grace.
    clock += 10_000 + RECONCILE_DELAYS.leaseGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'lease-expired': 1 });
    expect(await messages('normal')).toEqual([job.jobId]);
    // The next worker takes the expired lease over (attempt 2); a late renewal of attempt 1 is refused.
    expect((await store.claim('acme', job.jobId, 30_000, clock, 1))?.attempt).toBe(2);
    expect(await store.extendLease('acme', job.jobId, 1, 30_000)).toBe(false);
  });

  it('fails a job after its last attempt died, removing the outputs it had written', async () => {
    const job = await created('QUEUED', { attempt: 9 });
    await store.claim('acme', job.jobId, 30_000, clock, 9);
    const key = outputKey('acme', job.jobId, 'thumb', 'jpg');
    await s3.send(new PutObjectCommand({ Bucket: OUTPUTS, Key: key, Body: 'partial' }));
    clock += 30_000 + RECONCILE_DELAYS.leaseGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ exhausted: 1 });
    expect(await store.get('acme', job.jobId)).toMatchObject({ status: 'FAILED', attempt: 10 });
    expect(await deps.objects.head(OUTPUTS, key)).toBeUndefined();
  });
});

describe('reconciler: AWAITING_UPLOAD jobs', () => {
  it('enqueues a job whose object arrived but whose S3 event was lost', async () => {
    const job = await created('AWAITING_UPLOAD');
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS, Key: job.source.key, Body: 'jpeg bytes' }));
    clock += RECONCILE_DELAYS.uploadCheckMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'upload-found': 1 });
    expect(await messages('normal')).toEqual([job.jobId]);
  });

  it('waits while the upload URL is valid, then ends the job with UPLOAD_EXPIRED', async () => {
    const job = await created('AWAITING_UPLOAD');
    clock += RECONCILE_DELAYS.uploadCheckMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ waiting: 1 });
    expect((await store.get('acme', job.jobId))?.status).toBe('AWAITING_UPLOAD');
    clock = Date.parse(job.createdAt) + 900_000 + RECONCILE_DELAYS.leaseGraceMs + 1;
    const report = await reconcile(deps);
    expect(report.actions).toEqual({ 'upload-expired': 1 });
    expect(await store.get('acme', job.jobId)).toMatchObject({
      status: 'FAILED',
      error: { code: 'UPLOAD_EXPIRED', retryable: false },
    });
    expect(await messages('normal')).toEqual([]);
  });
});

describe('reconciler: video jobs', () => {
  async function transcoding(attempt = 0) {
    const job = await created('QUEUED', { attempt });
    await store.claim('acme', job.jobId, 30_000, clock, attempt);
    await store.transition('acme', job.jobId, 'PROCESSING', {
      attempt: attempt + 1,
      from: ['PROCESSING'],
      set: {
        stage: 'transcode-queued',
        executionArn: video.executionArnFor(job.jobId, attempt + 1),
        leaseUntil: clock + 4 * 3600_000,
      },
      event: null,
    });
    return job;
  }

  it('checks a running execution on its own cadence and restarts a job whose execution vanished', async () => {
    const job = await transcoding();
    videoState = { state: 'running' };
    clock += RECONCILE_DELAYS.videoCheckMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ waiting: 1 });
    // Lost (a local restart), or ended without ending the job: the claim is given back and a message sent.
    videoState = { state: 'missing' };
    clock += 4 * RECONCILE_DELAYS.videoCheckMs;
    expect((await reconcile(deps)).actions).toEqual({ 'transcode-restarted': 1 });
    expect(await store.get('acme', job.jobId)).toMatchObject({ status: 'PROCESSING', leaseUntil: 0 });
    expect(await messages('normal')).toEqual([job.jobId]);
    // The worker's claim takes it (attempt 2, a new execution name).
    expect((await store.claim('acme', job.jobId, 30_000, clock, 1))?.attempt).toBe(2);
  });

  it('lets an execution that just ended finish the job, and fails it after the last attempt', async () => {
    const job = await transcoding(9);
    videoState = { state: 'ended', stoppedAt: clock + RECONCILE_DELAYS.videoCheckMs };
    clock += RECONCILE_DELAYS.videoCheckMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ waiting: 1 });
    videoState = { state: 'ended', stoppedAt: clock - RECONCILE_DELAYS.videoCheckMs - 1 };
    clock += 4 * RECONCILE_DELAYS.videoCheckMs;
    expect((await reconcile(deps)).actions).toEqual({ exhausted: 1 });
    expect((await store.get('acme', job.jobId))?.error?.code).toBe('RETRIES_EXHAUSTED');
  });
});

describe('reconciler: cost', () => {
  it('reads one empty page per shard on an idle table, and ignores finished jobs', async () => {
    for (let i = 0; i < 50; i++) {
      const job = await created('QUEUED');
      await store.claim('acme', job.jobId, 30_000, clock, 0);
      await store.transition('acme', job.jobId, 'COMPLETED', { attempt: 1, set: { stage: 'done' } });
    }
    clock += 24 * 3600_000;
    const before = { ...index.usage };
    const report = await reconcile(deps);
    expect(report).toMatchObject({ examined: 0, errors: 0, more: false });
    expect(index.usage.queries - before.queries).toBe(RECONCILE_SHARDS);
    expect(index.usage.reads - before.reads).toBe(0);
  });

  it('takes at most limitPerShard jobs per shard and says there are more; the next pass resumes', async () => {
    const jobs = await Promise.all(Array.from({ length: 40 }, () => created('QUEUED')));
    clock += RECONCILE_DELAYS.queuedGraceMs + 1;
    const first = await reconcile(deps, { limitPerShard: 2 });
    expect(first.more).toBe(true);
    expect(first.examined).toBeLessThanOrEqual(2 * RECONCILE_SHARDS);
    let examined = first.examined;
    for (let pass = 0; pass < 40 && examined < jobs.length; pass++)
      examined += (await reconcile(deps, { limitPerShard: 2 })).examined;
    expect(examined).toBe(jobs.length);
    expect((await messages('normal')).sort()).toEqual(jobs.map((j) => j.jobId).sort());
  });

  it('looks at every indexed job at a local start (everythingDue), leaving live leases until they end', async () => {
    const queued = await created('QUEUED');
    const working = await created('QUEUED');
    await store.claim('acme', working.jobId, 30_000, clock, 0);
    const report = await reconcile(deps, { everythingDue: true });
    expect(report.actions).toEqual({ requeued: 1, waiting: 1 });
    expect(await messages('normal')).toEqual([queued.jobId]);
    clock += 30_000 + RECONCILE_DELAYS.leaseGraceMs + 1;
    expect((await reconcile(deps)).actions).toEqual({ 'lease-expired': 1 });
  });

  it('hands a live lease back at once when the workers that held it are gone (a local restart)', async () => {
    const working = await created('QUEUED');
    await store.claim('acme', working.jobId, 30_000, clock, 0);
    const fresh = await created('QUEUED');
    clock += 1;
    const restartedAt = clock;
    // A worker of the new process claims another job before the start pass looks: its lease stays.
    await store.claim('acme', fresh.jobId, 30_000, clock + 1, 0);
    const report = await reconcile(deps, { everythingDue: true, workersGoneBefore: restartedAt });
    expect(report.actions).toEqual({ 'lease-abandoned': 1, waiting: 1 });
    expect((await store.get('acme', fresh.jobId))?.attempt).toBe(1);
    expect(await messages('normal')).toEqual([working.jobId]);
    const released = await store.get('acme', working.jobId);
    expect(released).toMatchObject({ status: 'PROCESSING', attempt: 1, leaseUntil: 0, stage: 'retrying' });
    // The next worker claims it now, not when the old lease would have ended.
    expect((await store.claim('acme', working.jobId, 30_000, clock + 1, 1))?.attempt).toBe(2);
  });
});
