import { describe, expect, it } from 'vitest';
import { jobWindowStats, percentiles } from '../../src/operations/job-stats.js';

describe('job statistics', () => {
  it('nearest-rank percentiles: figures some job really had, none for no jobs', () => {
    expect(percentiles([])).toEqual({ count: 0 });
    expect(percentiles([4])).toEqual({ count: 1, p50: 4, p95: 4, p99: 4, max: 4 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(hundred)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([0.1234, 0.5]).p50).toBe(0.123);
  });

  it('counts every status, and leaves out latencies a job has not reached', () => {
    const stats = jobWindowStats(
      [
        { status: 'AWAITING_UPLOAD', createdAt: '2030-01-01T00:00:00Z' },
        {
          status: 'COMPLETED',
          createdAt: '2030-01-01T00:00:00Z',
          queuedAt: '2030-01-01T00:00:10Z',
          startedAt: '2030-01-01T00:00:12Z',
          completedAt: '2030-01-01T00:00:15Z',
        },
        { status: 'QUEUED', createdAt: '2030-01-01T00:00:00Z', queuedAt: '2030-01-01T00:00:30Z' },
      ],
      3600,
      Date.parse('2030-01-01T00:01:00Z'),
    );
    expect(stats.byStatus).toEqual({
      AWAITING_UPLOAD: 1,
      PENDING: 0,
      QUEUED: 1,
      PROCESSING: 0,
      COMPLETED: 1,
      FAILED: 0,
      CANCELLED: 0,
    });
    expect(stats.latencySeconds.queue).toEqual({ count: 1, p50: 2, p95: 2, p99: 2, max: 2 });
    expect(stats.latencySeconds.total.p50).toBe(5);
    expect(stats.oldestQueuedSeconds).toBe(30);
    expect(stats.throughput).toEqual({ completed: 1, failed: 0, completedPerMinute: 0.02 });
  });
});
