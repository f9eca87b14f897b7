import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbDeadLetterStore } from '../../src/adapters/aws/dynamodb-dead-letter-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { SqsJobQueue } from '../../src/adapters/aws/sqs-job-queue.js';
import { SqsQueueStats } from '../../src/adapters/aws/sqs-queue-stats.js';
import { DomainError } from '../../src/core/domain-error.js';
import { type Job, JobRequest, type JobStatus, type Priority } from '../../src/core/job.js';
import { failExhausted } from '../../src/jobs/fail-exhausted.js';
import { OperationsService } from '../../src/operations/operations-service.js';
import { createJobsTable } from '../support/jobs-table.js';

// The operations use cases over the real adapters: dynalite (jobs, dead letters) and fauxqs (queues).
const TABLE = 'operations-test';
const T0 = Date.parse('2030-06-01T12:00:00.000Z');
const clock = T0;
const now = () => clock;
let emulators: Emulators;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let jobs: DynamoDbJobStore;
let deadLetters: DynamoDbDeadLetterStore;
let queueUrls: Record<Priority, string>;
let deadLetterQueueUrl: string;
let service: OperationsService;

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  sqs = new SQSClient({ endpoint: emulators.sqs.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  const urls: Partial<Record<Priority, string>> = {};
  for (const priority of ['urgent', 'high', 'normal', 'low'] as const) {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: `operations-${priority}` }));
    urls[priority] = out.QueueUrl as string;
  }
  queueUrls = urls as Record<Priority, string>;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'operations-dlq' }));
  deadLetterQueueUrl = dlq.QueueUrl as string;
  jobs = new DynamoDbJobStore({ tableName: TABLE, client: dynamo, now });
  deadLetters = new DynamoDbDeadLetterStore({ tableName: TABLE, client: dynamo });
  service = new OperationsService({
    jobs,
    deadLetters,
    queueStats: new SqsQueueStats({ queueUrls, deadLetterQueueUrl, client: sqs }),
    queue: new SqsJobQueue({ queueUrls, client: sqs }),
    now,
  });
});

afterAll(async () => {
  dynamo?.destroy();
  sqs?.destroy();
  await emulators?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A job created `ageSeconds` ago that went through the given times (seconds after its creation). */
async function seed(
  tenant: string,
  status: JobStatus,
  ageSeconds: number,
  times: { queued?: number; started?: number; ended?: number } = {},
  priority: Priority = 'normal',
): Promise<Job> {
  const created = T0 - ageSeconds * 1000;
  const at = (offset?: number) => (offset === undefined ? undefined : iso(created + offset * 1000));
  const jobId = ulid(created);
  const job: Job = {
    tenant,
    jobId,
    status,
    stage: status.toLowerCase(),
    progress: status === 'COMPLETED' ? 100 : 0,
    attempt: 1,
    request: JobRequest.parse({ priority }),
    source: { bucket: 'uploads', key: `uploads/${priority}/t/${tenant}/${jobId}/a.jpg`, size: 1 },
    createdAt: iso(created),
    updatedAt: iso(created),
    queuedAt: at(times.queued),
    startedAt: at(times.started),
    completedAt: at(times.ended),
  };
  expect(await jobs.create(job)).toBe(true);
  return job;
}

describe('GET /stats over the real adapters', () => {
  it('counts the last hour by status with nearest-rank latency percentiles, and reads the queues', async () => {
    const tenant = 'stats-a';
    // Ten completed jobs, queue waits 1..10 s and processing 2 s each; one failed; one 2 h old (outside).
    for (let n = 1; n <= 10; n++)
      await seed(tenant, 'COMPLETED', 60 * n, { queued: 0, started: n, ended: n + 2 });
    await seed(tenant, 'FAILED', 30, { queued: 0, started: 1, ended: 2 });
    await seed(tenant, 'QUEUED', 5, { queued: 0 });
    await seed(tenant, 'COMPLETED', 7200, { queued: 0, started: 1, ended: 2 });
    await seed('stats-other', 'COMPLETED', 10, { queued: 0, started: 1, ended: 2 });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrls.high, MessageBody: '{}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: '{}' }));

    const stats = await service.stats(tenant);
    expect(stats.window).toEqual({ from: iso(T0 - 3_600_000), to: iso(T0), jobs: 12, truncated: false });
    expect(stats.jobs.byStatus).toMatchObject({ COMPLETED: 10, FAILED: 1, QUEUED: 1, PROCESSING: 0 });
    expect(stats.jobs.unfinished).toBe(1);
    expect(stats.jobs.oldestQueuedSeconds).toBe(5);
    expect(stats.jobs.throughput).toEqual({ completed: 10, failed: 1, completedPerMinute: 0.17 });
    expect(stats.jobs.latencySeconds.queue).toEqual({ count: 11, p50: 5, p95: 10, p99: 10, max: 10 });
    expect(stats.jobs.latencySeconds.processing).toEqual({ count: 10, p50: 2, p95: 2, p99: 2, max: 2 });
    expect(stats.jobs.latencySeconds.total).toMatchObject({ count: 10, p50: 7, max: 12 });
    expect(stats.queues.jobs.high.visible).toBe(1);
    expect(stats.queues.jobs.normal.visible).toBe(0);
    expect(stats.queues.deadLetter.visible).toBe(1);
    expect(stats.deadLetters.count).toBe(0);
  });
});

describe('dead letters and their redrive', () => {
  it('records a dead letter when an ingest message is exhausted, and redrives the job onto its queue', async () => {
    const tenant = 'dlq-a';
    const job = await seed(tenant, 'PROCESSING', 100, { queued: 0, started: 1 }, 'urgent');
    const other = await seed('dlq-b', 'QUEUED', 90, { queued: 0 });
    await failExhausted({ jobs, deadLetters, now }, { kind: 'job', tenant, jobId: job.jobId });
    await failExhausted({ jobs, deadLetters, now }, { kind: 'job', tenant: 'dlq-b', jobId: other.jobId });
    // Delivered again (a crash after the first pass): still one dead letter.
    await failExhausted({ jobs, deadLetters, now }, { kind: 'job', tenant, jobId: job.jobId });

    const listed = await service.listDeadLetters(tenant, {});
    expect(listed.deadLetters).toEqual([
      {
        tenant,
        jobId: job.jobId,
        priority: 'urgent',
        deadLetteredAt: iso(T0),
        reason: expect.stringContaining('dead-letter queue'),
      },
    ]);
    expect((await service.stats(tenant)).deadLetters.count).toBe(1);

    const result = await service.redrive(tenant, {});
    expect(result).toEqual({ redriven: [job.jobId], skipped: [], remaining: 0 });
    const requeued = await jobs.get(tenant, job.jobId);
    expect(requeued).toMatchObject({ status: 'QUEUED', stage: 'queued', progress: 0 });
    expect(requeued?.error).toBeUndefined();
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrls.urgent, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((m) => JSON.parse(m.Body as string))).toEqual([
      { kind: 'job', tenant, jobId: job.jobId },
    ]);
    // The dead-lettered message delivered late, sent before the redrive: the requeued job is left alone.
    const late = await failExhausted(
      { jobs, deadLetters, now },
      { kind: 'job', tenant, jobId: job.jobId },
      T0 - 120_000,
    );
    expect(late?.status).toBe('QUEUED');
    expect((await service.listDeadLetters(tenant, {})).deadLetters).toEqual([]);
    // The other tenant's dead letter is untouched.
    expect((await service.listDeadLetters('dlq-b', {})).deadLetters).toHaveLength(1);
  });

  it('drops a dead letter whose job is no longer dead-lettered, pages oldest first, and refuses bad input', async () => {
    const tenant = 'dlq-c';
    const first = await seed(tenant, 'PROCESSING', 300, { queued: 0, started: 1 });
    const second = await seed(tenant, 'PROCESSING', 200, { queued: 0, started: 1 });
    for (const job of [first, second]) {
      await failExhausted({ jobs, deadLetters, now }, { kind: 'job', tenant, jobId: job.jobId });
    }
    const page = await service.listDeadLetters(tenant, { limit: '1' });
    expect(page.deadLetters.map((d) => d.jobId)).toEqual([first.jobId]);
    const next = await service.listDeadLetters(tenant, { limit: '1', cursor: page.cursor });
    expect(next).toEqual({
      deadLetters: [expect.objectContaining({ jobId: second.jobId })],
      cursor: undefined,
    });

    // Retried by hand meanwhile: the redrive leaves it alone and only removes its dead letter.
    await jobs.transition(tenant, first.jobId, 'QUEUED', { from: ['FAILED'] });
    const result = await service.redrive(tenant, { limit: 1 });
    expect(result).toEqual({
      redriven: [],
      skipped: [{ jobId: first.jobId, reason: 'job is QUEUED' }],
      remaining: 1,
    });

    for (const bad of [{ limit: 0 }, { limit: 101 }, { everything: true }]) {
      await expect(service.redrive(tenant, bad)).rejects.toBeInstanceOf(DomainError);
    }
    await expect(service.listDeadLetters(tenant, { limit: '500' })).rejects.toThrow(/limit/);
    await expect(service.listDeadLetters(tenant, { cursor: 'bm9wZQ' })).rejects.toThrow(/cursor/);
    expect((await service.listDeadLetters(tenant, {})).deadLetters).toHaveLength(1);
  });
});
