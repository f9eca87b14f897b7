/**
 * The job outbox on real DynamoDB (dynalite): every state change records its event in the same write,
 * the relay publishes and clears it, the sweeper finds what a dead writer left behind.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { documentClientFor } from '../../../src/adapters/aws/clients.js';
import { DynamoDbJobStore } from '../../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbOutbox } from '../../../src/adapters/aws/dynamodb-outbox.js';
import { JobEvent } from '../../../src/core/events.js';
import { type Job, JobRequest } from '../../../src/core/job.js';
import type { EventPublisher } from '../../../src/core/ports.js';
import { JobEventRelay } from '../../../src/jobs/job-events.js';
import { PublishingJobStore } from '../../../src/jobs/publishing-job-store.js';
import { createJobsTable } from '../../support/jobs-table.js';

const TABLE = 'outbox-test';
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

/** A publisher that records, and can be made to fail (EventBridge down). */
function recordingPublisher() {
  const published: JobEvent[] = [];
  let failing = false;
  const publisher: EventPublisher = {
    async publish(events) {
      if (failing) throw new Error('PutEvents failed: ServiceUnavailable');
      for (const event of events) published.push(JobEvent.parse(event));
    },
  };
  const fail = (on: boolean) => {
    failing = on;
  };
  return { publisher, published, fail };
}

function relayWith(publisher: EventPublisher) {
  return new JobEventRelay({
    publisher,
    outbox,
    jobs: store,
    objects: { presignGet: async (_bucket, key) => `https://outputs.example/${key}?sig=1` },
    outputsBucket: 'outputs',
    now: () => clock,
  });
}

function newJob(tenant: string): Job {
  const jobId = nextId();
  const at = new Date(clock).toISOString();
  return {
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
}

describe('the outbox', () => {
  it('records each change with its write; publishing clears it and leaves the pending index', async () => {
    const { publisher, published } = recordingPublisher();
    const jobs = new PublishingJobStore(store, relayWith(publisher));
    const job = newJob('acme');
    await jobs.create(job);
    const claimed = (await jobs.claim('acme', job.jobId, 60_000, clock)) as Job;
    await jobs.reportProgress('acme', job.jobId, claimed.attempt, 'decoding', 10);
    await jobs.reportProgress('acme', job.jobId, claimed.attempt, 'writing', 60, { milestone: 50 });
    await jobs.transition('acme', job.jobId, 'COMPLETED', {
      attempt: claimed.attempt,
      set: {
        stage: 'done',
        progress: 100,
        outputs: [{ name: 'web', key: 'out/web.jpg', format: 'jpeg', width: 10, height: 10, bytes: 5 }],
      },
    });
    expect(published.map((e) => [e.type, e.detail.job.status, e.detail.job.progress])).toEqual([
      ['media.job.queued', 'QUEUED', 0],
      ['media.job.started', 'PROCESSING', 0],
      ['media.job.progress', 'PROCESSING', 50],
      ['media.job.completed', 'COMPLETED', 100],
    ]);
    expect(published.map((e) => e.detail.eventId)).toEqual([
      `evt_${job.jobId}_0_queued`,
      `evt_${job.jobId}_1_started`,
      `evt_${job.jobId}_1_progress_50`,
      `evt_${job.jobId}_1_completed`,
    ]);
    expect(published[3]?.detail.outputs?.[0]?.url).toBe('https://outputs.example/out/web.jpg?sig=1');
    const stored = await store.get('acme', job.jobId);
    expect(stored?.outbox).toEqual({});
    expect(stored).not.toHaveProperty('outboxAt');
  });

  it('a failed publish never fails the change; the sweeper publishes it once the grace period passes', async () => {
    const { publisher, published, fail } = recordingPublisher();
    const errors: unknown[] = [];
    const relay = relayWith(publisher);
    const jobs = new PublishingJobStore(store, relay, (error) => errors.push(error));
    const job = newJob('sweep');
    fail(true);
    await jobs.create(job);
    const cancelled = await jobs.transition('sweep', job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });
    expect(cancelled.status).toBe('CANCELLED');
    expect(errors).toHaveLength(2);
    expect(Object.keys((await store.get('sweep', job.jobId))?.outbox ?? {})).toHaveLength(2);

    fail(false);
    // Too young: left to its writer.
    expect((await relay.sweep(30_000)).events).toBe(0);
    clock += 31_000;
    const swept = await relay.sweep(30_000);
    expect(swept).toMatchObject({ events: 2, failures: 0 });
    expect(published.map((e) => e.type)).toEqual(['media.job.queued', 'media.job.cancelled']);
    expect(await outbox.pending(new Date(clock + 60_000).toISOString(), 100)).not.toContainEqual({
      tenant: 'sweep',
      jobId: job.jobId,
    });
  });

  it('a rejected write records no event; a retryable release records retrying; failure carries the error', async () => {
    const { publisher, published } = recordingPublisher();
    const jobs = new PublishingJobStore(store, relayWith(publisher));
    const job = newJob('acme');
    await jobs.create(job);
    const claimed = (await jobs.claim('acme', job.jobId, 60_000, clock)) as Job;
    await jobs.transition('acme', job.jobId, 'PROCESSING', {
      attempt: claimed.attempt,
      set: { leaseUntil: 0, stage: 'retrying' },
    });
    await expect(jobs.transition('acme', job.jobId, 'COMPLETED', { attempt: 99 })).rejects.toThrow();
    const again = (await jobs.claim('acme', job.jobId, 60_000, clock)) as Job;
    await jobs.transition('acme', job.jobId, 'FAILED', {
      attempt: again.attempt,
      set: { stage: 'failed', error: { code: 'CORRUPT_MEDIA', message: 'bad bytes', retryable: false } },
    });
    expect(published.map((e) => `${e.type}@${e.detail.job.attempt}`)).toEqual([
      'media.job.queued@0',
      'media.job.started@1',
      'media.job.retrying@1',
      'media.job.started@2',
      'media.job.failed@2',
    ]);
    expect(published[4]?.detail.error).toEqual({ code: 'CORRUPT_MEDIA', message: 'bad bytes' });
  });

  it('clearing while a newer entry arrived removes only the published ones; the job stays pending', async () => {
    const job = newJob('race');
    await store.create(job);
    const [published] = Object.keys((await store.get('race', job.jobId))?.outbox ?? {});
    await store.transition('race', job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });
    await outbox.clear('race', job.jobId, [published as string]);
    const after = await store.get('race', job.jobId);
    expect(Object.values(after?.outbox ?? {}).map((e) => e.type)).toEqual(['media.job.cancelled']);
    expect(after?.outboxAt).toBe(job.createdAt);
    expect(await outbox.pending(new Date(clock + 1).toISOString(), 1000)).toContainEqual({
      tenant: 'race',
      jobId: job.jobId,
    });
  });

  it('jobs written before the outbox existed (no outbox map) still claim, progress, end, and publish', async () => {
    const { publisher, published } = recordingPublisher();
    const jobs = new PublishingJobStore(store, relayWith(publisher));
    const job = newJob('legacy');
    // The item as the previous release wrote it: no `outbox`, no `outboxAt`.
    await documentClientFor(client).send(
      new PutCommand({ TableName: TABLE, Item: { ...job, pk: 'TENANT#legacy', sk: `JOB#${job.jobId}` } }),
    );
    const claimed = (await jobs.claim('legacy', job.jobId, 60_000, clock)) as Job;
    expect(claimed.attempt).toBe(1);
    expect(await jobs.reportProgress('legacy', job.jobId, 1, 'writing', 60, { milestone: 50 })).toBe(true);
    await jobs.transition('legacy', job.jobId, 'FAILED', {
      attempt: 1,
      set: { stage: 'failed', error: { code: 'CORRUPT_MEDIA', message: 'x', retryable: false } },
    });
    expect(published.map((e) => e.type)).toEqual([
      'media.job.started',
      'media.job.progress',
      'media.job.failed',
    ]);
    await expect(store.transition('legacy', 'NO-SUCH-JOB', 'CANCELLED')).rejects.toThrow(/does not exist/);
  });

  it('a claim given the attempt it read records that attempt: unpublished started events of two attempts stay distinct', async () => {
    const { publisher, published, fail } = recordingPublisher();
    const jobs = new PublishingJobStore(store, relayWith(publisher), () => {});
    const job = newJob('attempts');
    await jobs.create(job);
    fail(true);
    const first = (await jobs.claim('attempts', job.jobId, 1, clock, 0)) as Job;
    expect(first.attempt).toBe(1);
    // A stale read (attempt 0 again) cannot claim: someone else took attempt 1.
    expect(await jobs.claim('attempts', job.jobId, 60_000, clock + 10, 0)).toBeUndefined();
    fail(false);
    // The first worker's lease (1 ms) has lapsed: attempt 2 takes over and publishes both started events.
    await jobs.claim('attempts', job.jobId, 60_000, clock + 10, 1);
    expect(published.map((e) => e.detail.eventId)).toEqual([
      `evt_${job.jobId}_0_queued`,
      `evt_${job.jobId}_1_started`,
      `evt_${job.jobId}_2_started`,
    ]);
  });
});
