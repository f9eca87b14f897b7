import { isTerminal, type Job, type JobStatus } from '../core/job.js';
import { type Batch, countJobs, estimateSecondsLeft } from './batch.js';

/** A batch as GET /batches lists it: what the batch item holds, without the counts its jobs give. */
export function batchSummary(batch: Batch) {
  return {
    id: batch.batchId,
    name: batch.name,
    status: batch.status,
    priority: batch.priority,
    maxConcurrency: batch.maxConcurrency,
    total: batch.total,
    startAt: batch.startAt,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    endedAt: batch.endedAt,
    report: batch.report ? { available: true, writtenAt: batch.report.writtenAt } : { available: false },
  };
}
export type BatchSummaryView = ReturnType<typeof batchSummary>;

/** The public shape of a batch: its summary, with counts and ETA derived from its jobs (never stored counters). */
export async function batchView(batch: Batch, jobs: AsyncIterable<Pick<Job, 'status' | 'completedAt'>>) {
  const statuses: JobStatus[] = [];
  const ended: number[] = [];
  for await (const job of jobs) {
    statuses.push(job.status);
    if (isTerminal(job.status) && job.completedAt) ended.push(Date.parse(job.completedAt));
  }
  const counts = countJobs(statuses);
  return {
    ...batchSummary(batch),
    counts: counts.byStatus,
    percentComplete: counts.percentComplete,
    etaSeconds: estimateSecondsLeft(
      batch.startedAt ? Date.parse(batch.startedAt) : undefined,
      ended,
      counts.total - ended.length,
    ),
  };
}
export type BatchView = Awaited<ReturnType<typeof batchView>>;
