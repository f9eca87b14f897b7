import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { type Job, JobRequest, type Priority } from '../../src/core/job.js';
import { InMemoryJobStore } from '../../src/jobs/in-memory-job-store.js';
import { InMemoryDeadLetterStore } from '../../src/operations/in-memory-dead-letter-store.js';
import { MAX_WINDOW_JOBS, OperationsService } from '../../src/operations/operations-service.js';
import type { QueueDepth } from '../../src/operations/ports.js';

// The use cases on the in-memory fakes (test/contract holds them to the DynamoDB adapters).
const T0 = Date.parse('2030-06-01T12:00:00.000Z');
const depth: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };

function setup() {
  const jobs = new InMemoryJobStore(() => T0);
  const deadLetters = new InMemoryDeadLetterStore();
  const sent: { tenant: string; jobId: string; priority: Priority }[] = [];
  const service = new OperationsService({
    jobs,
    deadLetters,
    queueStats: {
      depths: async () => ({
        jobs: { urgent: depth, high: depth, normal: depth, low: depth },
        deadLetter: depth,
      }),
    },
    queue: {
      enqueue: async (message) => {
        sent.push(message);
      },
    },
    now: () => T0,
  });
  const add = async (ageSeconds: number, status: Job['status'] = 'COMPLETED') => {
    const created = T0 - ageSeconds * 1000;
    const at = new Date(created).toISOString();
    const job: Job = {
      tenant: 'acme',
      jobId: ulid(created),
      status,
      stage: 'x',
      progress: 0,
      attempt: 1,
      request: JobRequest.parse({}),
      source: { bucket: 'b', key: 'k' },
      createdAt: at,
      updatedAt: at,
      queuedAt: at,
      startedAt: at,
      completedAt: at,
    };
    await jobs.create(job);
    return job;
  };
  return { service, jobs, deadLetters, sent, add };
}

describe('OperationsService', () => {
  it('reads at most MAX_WINDOW_JOBS of a busy hour and says the window was cut, from the oldest read', async () => {
    const { service, add } = setup();
    // 2,100 jobs over the last 35 minutes, one a second: more than a window reads.
    for (let n = 0; n < 2100; n++) await add(n);
    const stats = await service.stats('acme');
    expect(stats.window.jobs).toBe(MAX_WINDOW_JOBS);
    expect(stats.window.truncated).toBe(true);
    expect(stats.window.from).toBe(new Date(T0 - (MAX_WINDOW_JOBS - 1) * 1000).toISOString());
    // The rate is over the time the read jobs cover, not the whole hour.
    expect(stats.jobs.throughput.completedPerMinute).toBeCloseTo(
      (MAX_WINDOW_JOBS / (MAX_WINDOW_JOBS - 1)) * 60,
      1,
    );
  });

  it('an idle tenant: nothing in the window, no percentiles, no dead letters', async () => {
    const { service } = setup();
    const stats = await service.stats('acme');
    expect(stats.window).toMatchObject({ jobs: 0, truncated: false });
    expect(stats.jobs.latencySeconds.queue).toEqual({ count: 0 });
    expect(stats.jobs.oldestQueuedSeconds).toBe(0);
    expect(stats.deadLetters.count).toBe(0);
  });

  it('a dead letter whose job vanished is dropped, and the redrive reports it', async () => {
    const { service, deadLetters, sent } = setup();
    const jobId = ulid(T0);
    await deadLetters.put({
      tenant: 'acme',
      jobId,
      priority: 'low',
      deadLetteredAt: new Date(T0).toISOString(),
      reason: 'x',
    });
    expect(await service.redrive('acme', undefined)).toEqual({
      redriven: [],
      skipped: [{ jobId, reason: 'job not found' }],
      remaining: 0,
    });
    expect(sent).toEqual([]);
  });
});
