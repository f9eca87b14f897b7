import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { monotonicFactory } from 'ulid';
import { startEmulators } from '../local/emulators.js';
import { DynamoDbJobStore } from '../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbReconcileIndex } from '../src/adapters/aws/dynamodb-reconcile-index.js';
import type { Job } from '../src/core/job.js';
import { uploadKey } from '../src/core/keys.js';
import type { JobQueue, ObjectStore } from '../src/core/ports.js';
import { reconcile } from '../src/reconciler/reconciler.js';
import { RECONCILE_SHARDS } from '../src/reconciler/schedule.js';
import { createJobsTable } from '../test/support/jobs-table.js';

/**
 * `npm run bench -- reconciler`: what one reconciler pass reads from DynamoDB (dynalite, the real table
 * layout and adapters), on an idle table, on a table of 10,000 finished jobs, and with 100 of them left
 * QUEUED without a message. Every request the pass sends is counted at the client, with the read units
 * the index reports. The floor is one Query per shard: an idle pass can read no less.
 */
const FINISHED = Number(process.env.BENCH_FINISHED_JOBS ?? 10_000);
const STUCK = 100;
const TABLE = 'reconciler-bench';
const nextId = monotonicFactory();
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function run(): Promise<void> {
  const emulators = await startEmulators();
  const seedClient = new DynamoDBClient({
    endpoint: emulators.dynamodb.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const passClient = new DynamoDBClient({
    endpoint: emulators.dynamodb.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const counted: Record<string, number> = {};
  passClient.middlewareStack.add(
    (next, context) => async (args) => {
      counted[context.commandName as string] = (counted[context.commandName as string] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  try {
    await createJobsTable(seedClient, TABLE);
    const seedStore = new DynamoDbJobStore({ tableName: TABLE, client: seedClient });
    const enqueued: string[] = [];
    const queue: JobQueue = { enqueue: async (m) => void enqueued.push(m.jobId) } as JobQueue;
    const objects = { head: async () => undefined, deletePrefix: async () => 0 } as unknown as ObjectStore;

    const pass = async (label: string) => {
      for (const key of Object.keys(counted)) delete counted[key];
      const index = new DynamoDbReconcileIndex({ tableName: TABLE, client: passClient });
      const jobs = new DynamoDbJobStore({ tableName: TABLE, client: passClient });
      const started = performance.now();
      const report = await reconcile(
        { index, jobs, queue, objects, outputsBucket: 'outputs', uploadUrlTtlSeconds: 900 },
        {},
      );
      const elapsed = performance.now() - started;
      const requests = Object.values(counted).reduce((a, b) => a + b, 0);
      return {
        pass: label,
        requests,
        queries: index.usage.queries,
        'read units': Number(index.usage.readUnits.toFixed(1)),
        examined: report.examined,
        actions: JSON.stringify(report.actions),
        ms: Math.round(elapsed),
      };
    };

    const rows = [await pass('idle table')];
    const t0 = Date.now();
    await inParallel(FINISHED, 16, async () => {
      const job = newJob();
      // The path a job takes: created QUEUED, claimed by a worker, completed.
      await seedStore.create(job);
      const claimed = await seedStore.claim(job.tenant, job.jobId, 30_000);
      await seedStore.transition(job.tenant, job.jobId, 'COMPLETED', {
        attempt: claimed?.attempt,
        from: ['PROCESSING'],
        set: { stage: 'done', progress: 100, completedAt: new Date().toISOString() },
        event: null,
      });
    });
    console.log(`seeded ${FINISHED} finished jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    rows.push(await pass(`${FINISHED} finished jobs`));
    rows.push(await pass(`${FINISHED} finished, again`));
    // Jobs whose send failed after the QUEUED write, due now (their grace is in the past).
    for (let i = 0; i < STUCK; i++) await seedStore.create(newJob(Date.now() - 10 * 60_000));
    rows.push(await pass(`+ ${STUCK} QUEUED without a message`));
    console.table(rows);
    console.log(
      `floor: ${RECONCILE_SHARDS} Queries (one per shard of the ReconcileDue index) for an idle pass; ` +
        `${enqueued.length} jobs re-sent in all`,
    );
  } finally {
    seedClient.destroy();
    passClient.destroy();
    await emulators.stop();
  }
}

function newJob(at = Date.now()): Job {
  const jobId = nextId(at);
  const stamp = new Date(at).toISOString();
  return {
    tenant: 'bench',
    jobId,
    status: 'QUEUED',
    stage: 'queued',
    progress: 0,
    attempt: 0,
    request: { outputs: { preset: 'thumbnail' }, priority: 'normal', metadataPolicy: 'strip' },
    source: {
      bucket: 'uploads',
      key: uploadKey('bench', jobId, 'a.jpg'),
      contentType: 'image/jpeg',
      size: 10,
    },
    createdAt: stamp,
    updatedAt: stamp,
  } as Job;
}

async function inParallel(total: number, width: number, task: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (started < total) {
        started++;
        await task();
      }
    }),
  );
}
