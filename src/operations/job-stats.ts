import { type Job, JobStatus } from '../core/job.js';

export type WindowJob = Pick<Job, 'status' | 'createdAt' | 'queuedAt' | 'startedAt' | 'completedAt'>;

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a latency some job really had). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0 };
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    count: sorted.length,
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    max: round(sorted.at(-1) as number),
  };
}

const seconds = (from?: string, to?: string) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;
const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

/**
 * Counts, throughput and latencies of the jobs created in a window. Queue: queued to claimed by a worker;
 * processing: claimed to ended; total: queued to ended (an upload's wait for its bytes is the client's).
 */
export function jobWindowStats(jobs: readonly WindowJob[], windowSeconds: number, now: number) {
  const byStatus = Object.fromEntries(Object.values(JobStatus).map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
  for (const job of jobs) byStatus[job.status]++;
  const completed = jobs.filter((job) => job.status === 'COMPLETED');
  const waiting = defined(
    jobs
      .filter((job) => job.status === 'QUEUED')
      .map((job) => seconds(job.queuedAt, new Date(now).toISOString())),
  );
  return {
    byStatus,
    throughput: {
      completed: byStatus.COMPLETED,
      failed: byStatus.FAILED,
      completedPerMinute: Math.round((byStatus.COMPLETED / (windowSeconds / 60)) * 100) / 100,
    },
    /** How long the longest-waiting QUEUED job of the window has waited for a worker (0: none waits). */
    oldestQueuedSeconds: waiting.length ? Math.round(Math.max(...waiting) * 1000) / 1000 : 0,
    latencySeconds: {
      queue: percentiles(defined(jobs.map((job) => seconds(job.queuedAt, job.startedAt)))),
      processing: percentiles(defined(completed.map((job) => seconds(job.startedAt, job.completedAt)))),
      total: percentiles(defined(completed.map((job) => seconds(job.queuedAt, job.completedAt)))),
    },
  };
}
