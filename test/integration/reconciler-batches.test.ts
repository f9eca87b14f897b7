import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbBatchStore } from '../../src/adapters/aws/dynamodb-batch-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbReconcileIndex } from '../../src/adapters/aws/dynamodb-reconcile-index.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import type { Batch, BatchStatus } from '../../src/batches/batch.js';
import { BatchRunner } from '../../src/batches/batch-runner.js';
import type { BatchOrchestrator } from '../../src/batches/ports.js';
import type { ExecutionStatus } from '../../src/core/ports.js';
import { MAX_BATCH_RUNS, reconcileBatch } from '../../src/reconciler/reconcile-batch.js';
import { type ReconcilerDeps, reconcile } from '../../src/reconciler/reconciler.js';
import { RECONCILE_DELAYS } from '../../src/reconciler/schedule.js';
import { createJobsTable } from '../support/jobs-table.js';

// The batch rule over the real stores on dynalite (and s3rver for the report of a batch it gives up on);
// the orchestrator is a recording fake whose executions run, end or are missing as each test says.
const TABLE = 'reconciler-batches-test';
const OUTPUTS = 'reconciler-batches-outputs';
const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:batches';
let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
let batches: DynamoDbBatchStore;
let index: DynamoDbReconcileIndex;
let runner: BatchRunner;
let executions: Map<string, ExecutionStatus>;
let started: { batchId: string; run: number }[];
let deps: ReconcilerDeps;
const later = () => Date.now() + RECONCILE_DELAYS.batchCheckMs + 60_000;

const orchestrator: BatchOrchestrator = {
  start: async (_tenant, batchId, run = 0) => void started.push({ batchId, run }),
  schedule: async () => {},
  unschedule: async () => {},
  executionArnFor: (batchId, run) => `${SM.replace(':stateMachine:', ':execution:')}:${batchId}-r${run}`,
  status: async (arn) => executions.get(arn) ?? { state: 'missing' },
};

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  s3 = new S3Client({ endpoint: emulators.s3.endpoint, forcePathStyle: true, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: OUTPUTS }));
  batches = new DynamoDbBatchStore({ tableName: TABLE, client: dynamo });
  index = new DynamoDbReconcileIndex({ tableName: TABLE, client: dynamo });
  const jobs = new DynamoDbJobStore({ tableName: TABLE, client: dynamo });
  const objects = new S3ObjectStore({ client: s3 });
  runner = new BatchRunner({
    batches,
    jobs,
    queue: { enqueue: async () => {} },
    objects,
    outputsBucket: OUTPUTS,
    callbacks: { succeed: async () => false },
  });
  deps = {
    index,
    jobs,
    queue: { enqueue: async () => {} },
    objects,
    outputsBucket: OUTPUTS,
    uploadUrlTtlSeconds: 900,
    batches: { store: batches, orchestrator, runner },
  };
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await emulators?.stop();
});

beforeEach(() => {
  executions = new Map();
  started = [];
});

async function storedBatch(status: BatchStatus, extra: Partial<Batch> = {}): Promise<Batch> {
  const now = new Date().toISOString();
  const batch: Batch = {
    tenant: `rb-${ulid().slice(-6).toLowerCase()}`,
    batchId: ulid(),
    name: 'nightly',
    status,
    priority: 'normal',
    maxConcurrency: 2,
    total: 0,
    createdAt: now,
    updatedAt: now,
    ...extra,
  };
  await batches.createBatch(batch);
  return batch;
}

/** The batch's entry in the index as a pass at `now` would see it (undefined: not due, or not indexed). */
async function dueEntry(batch: Batch, now: number) {
  for (const shard of index.shards) {
    const entry = (await index.due(shard, now, 1000)).find(
      (e) => e.kind === 'batch' && e.batchId === batch.batchId,
    );
    if (entry?.kind === 'batch') return entry;
  }
  return undefined;
}

describe('reconciler: batches', () => {
  it('starts a new run of a RUNNING batch whose execution vanished, once; the run records itself', async () => {
    const batch = await storedBatch('RUNNING', { executionArn: `${SM}:gone` });
    const at = later();
    const entry = await dueEntry(batch, at);
    expect(entry).toBeDefined();
    expect(await reconcileBatch(index, deps.batches, entry as NonNullable<typeof entry>, at)).toBe(
      'batch-restarted',
    );
    expect(started).toEqual([{ batchId: batch.batchId, run: 1 }]);
    const stored = await batches.getBatch(batch.tenant, batch.batchId);
    expect(stored).toMatchObject({ status: 'RUNNING', executionRuns: 1 });
    expect(stored?.executionArn).toBe(orchestrator.executionArnFor(batch.batchId, 1));
    // The same entry again (a concurrent pass): the time moved, nothing is started twice.
    expect(await reconcileBatch(index, deps.batches, entry as NonNullable<typeof entry>, at)).toBe('moved');
    expect(started).toHaveLength(1);
    // Its first step records the execution the run really has; the batch stays RUNNING and indexed.
    await runner.start(batch.tenant, batch.batchId, `${SM}:run-1`);
    expect((await batches.getBatch(batch.tenant, batch.batchId))?.executionArn).toBe(`${SM}:run-1`);
    expect(await dueEntry(batch, later())).toBeDefined();
  });

  it('leaves a batch whose execution runs, or ended moments ago, and looks again later', async () => {
    const running = await storedBatch('RUNNING', { executionArn: `${SM}:running` });
    const settling = await storedBatch('RUNNING', { executionArn: `${SM}:settling` });
    const at = later();
    executions.set(`${SM}:running`, { state: 'running' });
    executions.set(`${SM}:settling`, { state: 'ended', stoppedAt: at - 1000 });
    for (const batch of [running, settling]) {
      const entry = await dueEntry(batch, at);
      expect(await reconcileBatch(index, deps.batches, entry as NonNullable<typeof entry>, at)).toBe(
        'waiting',
      );
      expect(await dueEntry(batch, at)).toBeUndefined();
      expect(await dueEntry(batch, at + 4 * RECONCILE_DELAYS.batchCheckMs)).toBeDefined();
    }
    expect(started).toEqual([]);
  });

  it('waits for a scheduled batch until its startAt, then starts it if nothing did', async () => {
    const startAt = Date.now() + 3600_000;
    const batch = await storedBatch('SCHEDULED', { startAt: new Date(startAt).toISOString() });
    const at = later();
    const entry = await dueEntry(batch, at);
    expect(await reconcileBatch(index, deps.batches, entry as NonNullable<typeof entry>, at)).toBe('waiting');
    expect(await dueEntry(batch, startAt)).toBeUndefined();
    const after = startAt + 2 * RECONCILE_DELAYS.batchCheckMs;
    const due = await dueEntry(batch, after);
    expect(await reconcileBatch(index, deps.batches, due as NonNullable<typeof due>, after)).toBe(
      'batch-restarted',
    );
    expect(started).toEqual([{ batchId: batch.batchId, run: 1 }]);
  });

  it('drops ended batches from the index: COMPLETED, and CANCELLED once its report is written', async () => {
    const batch = await storedBatch('RUNNING', { executionArn: `${SM}:x` });
    await batches.setStatus(batch.tenant, batch.batchId, 'CANCELLED', ['RUNNING']);
    expect(await dueEntry(batch, later())).toBeDefined();
    await batches.setStatus(batch.tenant, batch.batchId, 'CANCELLED', ['CANCELLED'], {
      report: { json: 'r.json', csv: 'r.csv', writtenAt: new Date().toISOString() },
    });
    expect(await dueEntry(batch, later())).toBeUndefined();
    const done = await storedBatch('RUNNING');
    await batches.setStatus(done.tenant, done.batchId, 'COMPLETED', ['RUNNING']);
    expect(await dueEntry(done, later())).toBeUndefined();
    // Nor does a stored batch carry the index's bookkeeping.
    expect(await batches.getBatch(done.tenant, done.batchId)).not.toHaveProperty('reconcileAt');
  });

  it(`gives a batch up after ${MAX_BATCH_RUNS} runs, and a CREATING one no call finished: CANCELLED with a report`, async () => {
    const exhausted = await storedBatch('RUNNING', { executionRuns: MAX_BATCH_RUNS });
    const old = new Date(Date.now() - 3600_000).toISOString();
    const abandoned = await storedBatch('CREATING', { createdAt: old, updatedAt: old });
    const report = await reconcile(deps, { everythingDue: true, limitPerShard: 1000 });
    expect(report.actions['batch-abandoned']).toBeGreaterThanOrEqual(2);
    for (const batch of [exhausted, abandoned]) {
      const stored = await batches.getBatch(batch.tenant, batch.batchId);
      expect(stored?.status).toBe('CANCELLED');
      expect(stored?.report?.json).toBe(`reports/${batch.tenant}/${batch.batchId}/report.json`);
      expect(await dueEntry(batch, later())).toBeUndefined();
    }
    // The pass looked at the earlier tests' batches too; these two got no new run.
    const ids = [exhausted.batchId, abandoned.batchId];
    expect(started.filter((s) => ids.includes(s.batchId))).toEqual([]);
  });
});
