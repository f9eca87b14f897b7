/**
 * The outbox sweeper on real DynamoDB (dynalite): its scan resumes where the last sweep stopped, and an
 * outbox that cannot be published backs off and is parked, so it never holds the others back.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { DynamoDbJobStore } from '../../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbOutbox } from '../../../src/adapters/aws/dynamodb-outbox.js';
import type { JobEvent, PipelineEvent } from '../../../src/core/events.js';
import { type Job, JobRequest } from '../../../src/core/job.js';
import type { EventPublisher } from '../../../src/core/ports.js';
import { JobEventRelay, OUTBOX_MAX_FAILURES } from '../../../src/jobs/job-events.js';
import { createJobsTable } from '../../support/jobs-table.js';

const TABLE = 'outbox-sweeper-test';
const GRACE_MS = 30_000;
const nextId = monotonicFactory();
let emulators: Emulators;
let client: DynamoDBClient;
let store: DynamoDbJobStore;
let outbox: DynamoDbOutbox;
let clock = Date.parse('2026-11-30T10:00:00Z');

beforeAll(async () => {
  emulators = await startEmulators();
  client = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  await createJobsTable(client, TABLE);
  store = new DynamoDbJobStore({ tableName: TABLE, client, now: () => clock });
  outbox = new DynamoDbOutbox({ tableName: TABLE, client });
});
afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

/** Publishes every event except those of `poisoned` jobs (an event EventBridge keeps rejecting). */
function selectivePublisher(poisoned: Set<string>) {
  const published = new Set<string>();
  const tries = new Map<string, number>();
  const jobOf = (event: PipelineEvent) => (event as JobEvent).detail.job?.id ?? '';
  const publisher: EventPublisher = {
    async publish(events) {
      for (const event of events) {
        const jobId = jobOf(event);
        tries.set(jobId, (tries.get(jobId) ?? 0) + 1);
        if (poisoned.has(jobId)) throw new Error('PutEvents: entry rejected (ValidationException)');
      }
      for (const event of events) published.add(jobOf(event));
    },
  };
  return { publisher, published, tries };
}

const relayWith = (publisher: EventPublisher) =>
  new JobEventRelay({
    publisher,
    outbox,
    jobs: store,
    objects: { presignGet: async (_bucket, key) => `https://outputs.example/${key}` },
    outputsBucket: 'outputs',
    now: () => clock,
  });

/** A job whose writer died before publishing: its queued event is left in the outbox. */
async function abandoned(tenant: string): Promise<Job> {
  const jobId = nextId();
  const at = new Date(clock).toISOString();
  const job: Job = {
    tenant,
    jobId,
    status: 'QUEUED',
    stage: 'created',
    progress: 0,
    attempt: 0,
    request: JobRequest.parse({}),
    source: { bucket: 'uploads', key: `uploads/normal/t/${tenant}/${jobId}/a.jpg`, size: 10 },
    createdAt: at,
    updatedAt: at,
  };
  await store.create(job);
  return job;
}

const stillPending = async () =>
  (await outbox.pending(new Date(clock + 365 * 86_400_000).toISOString(), 10_000)).map((p) => p.jobId);

describe('the outbox sweeper', () => {
  it('resumes its scan where it stopped and parks an outbox that keeps failing, publishing all the rest', async () => {
    const poison = await abandoned('poison');
    const good = await Promise.all(Array.from({ length: 6 }, () => abandoned('good')));
    const { publisher, published, tries } = selectivePublisher(new Set([poison.jobId]));
    const relay = relayWith(publisher);
    clock += GRACE_MS + 1;

    // Two jobs per sweep: whatever the scan order, the poison job cannot be the one taken every time.
    let sweeps = 0;
    while (published.size < good.length && sweeps < 10) {
      await relay.sweep(GRACE_MS, 2);
      sweeps++;
    }
    expect([...published].sort()).toEqual(good.map((j) => j.jobId).sort());
    expect(sweeps).toBeLessThanOrEqual(4);
    // The poison job was tried on the way (or is next, when it sorts last in the scan).
    if (!tries.has(poison.jobId)) await relay.sweep(GRACE_MS, 2);
    expect(tries.get(poison.jobId)).toBe(1);

    // The failure backs off: sweeping again at once does not retry it.
    await relay.sweep(GRACE_MS, 2);
    await relay.sweep(GRACE_MS, 2);
    expect(tries.get(poison.jobId)).toBe(1);
    expect((await store.get('poison', poison.jobId))?.outboxFailures).toBe(1);

    // After OUTBOX_MAX_FAILURES failed tries it is parked: out of the index, its entries kept for a look.
    let parked = 0;
    for (let i = 0; i < 3 * OUTBOX_MAX_FAILURES && parked === 0; i++) {
      clock += 31 * 60_000;
      parked += (await relay.sweep(GRACE_MS, 2)).parked;
    }
    expect(parked).toBe(1);
    expect(tries.get(poison.jobId)).toBe(OUTBOX_MAX_FAILURES);
    expect(await stillPending()).not.toContain(poison.jobId);
    const stored = await store.get('poison', poison.jobId);
    expect(Object.values(stored?.outbox ?? {}).map((e) => e.type)).toEqual(['media.job.queued']);
    expect(stored?.outboxAt).toBeUndefined();
  });

  it('covers a backlog larger than one sweep over successive sweeps, without starting over', async () => {
    const backlog = await Promise.all(Array.from({ length: 9 }, () => abandoned('backlog')));
    // The first three sweeps each publish a different three jobs (never the same ones again).
    const { publisher, published, tries } = selectivePublisher(new Set());
    const relay = relayWith(publisher);
    clock += GRACE_MS + 1;
    for (let i = 0; i < 3; i++) await relay.sweep(GRACE_MS, 3);
    expect([...published].sort()).toEqual(backlog.map((j) => j.jobId).sort());
    expect([...tries.values()].every((n) => n === 1)).toBe(true);
    expect(await stillPending()).toEqual([]);
  });

  it('pages through the pending index from a saved position, then goes on from the top', async () => {
    // Exactly 3 pages of 3 in the index (the earlier tests left nothing pending): wherever the saved
    // position starts, three calls go round the index once, each job once.
    const jobs = await Promise.all(Array.from({ length: 9 }, () => abandoned('paging')));
    expect(await stillPending()).toHaveLength(9);
    clock += GRACE_MS + 1;
    const cutoff = new Date(clock).toISOString();
    const seen: string[] = [];
    // Nothing is published here, so only the saved position moves the scan on.
    for (let i = 0; i < 3; i++) seen.push(...(await outbox.pending(cutoff, 3)).map((p) => p.jobId));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(jobs.map((j) => j.jobId).sort());
  });
});
