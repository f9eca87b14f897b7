import { z } from 'zod';
import { JobRequest, type JobStatus, Priority } from '../core/job.js';

export const MAX_BATCH_JOBS = 10_000;

/** A job inside a batch: a job spec plus a batch-local `ref` that `dependsOn` can name. */
export const BatchJobSpec = JobRequest.omit({ priority: true })
  .extend({
    ref: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore (1-64)'),
    source: z.object({ key: z.string().min(1).max(1024) }).strict(),
    dependsOn: z.array(z.string()).max(100).optional(),
  })
  .strict();
export type BatchJobSpec = z.infer<typeof BatchJobSpec>;

export const BatchRequest = z
  .object({
    name: z.string().min(1).max(200),
    priority: Priority.default('normal'),
    maxConcurrency: z.number().int().min(1).max(64).default(4),
    startAt: z.iso.datetime({ offset: true }).optional(),
    jobs: z.array(BatchJobSpec).min(1).max(MAX_BATCH_JOBS),
  })
  .strict();
export type BatchRequest = z.infer<typeof BatchRequest>;

/**
 * CREATING while the API writes the batch's jobs (a retried submission with the same Idempotency-Key
 * finishes it); SCHEDULED until its execution starts (now, or at `startAt`); RUNNING until every job
 * has ended; then COMPLETED, or CANCELLED when DELETE /batches/{id} stopped it.
 */
export type BatchStatus = 'CREATING' | 'SCHEDULED' | 'RUNNING' | 'COMPLETED' | 'CANCELLED';

export interface Batch {
  tenant: string;
  batchId: string;
  name: string;
  status: BatchStatus;
  priority: Priority;
  maxConcurrency: number;
  total: number;
  startAt?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  endedAt?: string;
  idempotencyKey?: string;
  /** The execution driving the batch (recorded by its first step; the reconciler checks it still runs). */
  executionArn?: string;
  /** Executions the reconciler started again after the batch's own had ended or vanished. */
  executionRuns?: number;
  /** S3 keys (outputs bucket) of the report, once the batch has ended. */
  report?: { json: string; csv: string; writtenAt: string };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The id of the batch's `index`-th job: the batch id's time and the first half of its randomness, then
 * the index in base 32. Deterministic (a retried submission rewrites the same jobs, never doubles them),
 * unique, a valid ULID, and in submission order.
 */
export function batchJobId(batchId: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 32 ** 6) throw new RangeError(`job index ${index}`);
  let suffix = '';
  for (let rest = index, i = 0; i < 6; i++, rest = Math.floor(rest / 32))
    suffix = CROCKFORD[rest % 32] + suffix;
  return `${batchId.slice(0, 20)}${suffix}`;
}

export class BatchPlanError extends Error {
  constructor(
    message: string,
    readonly details: { refs?: string[] } = {},
  ) {
    super(message);
    this.name = 'BatchPlanError';
  }
}

/**
 * Orders the batch's jobs into levels: every job's dependencies are in earlier levels, so running the
 * levels one after another (each with the batch's concurrency) honours `dependsOn`. Refuses duplicate
 * refs, unknown or self dependencies, and cycles (naming the jobs on them).
 */
export function planLevels(jobs: readonly Pick<BatchJobSpec, 'ref' | 'dependsOn'>[]): string[][] {
  const refs = new Set<string>();
  for (const job of jobs) {
    if (refs.has(job.ref)) throw new BatchPlanError(`duplicate job ref ${job.ref}`, { refs: [job.ref] });
    refs.add(job.ref);
  }
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const job of jobs) {
    const deps = new Set(job.dependsOn ?? []);
    for (const dep of deps) {
      if (dep === job.ref) throw new BatchPlanError(`job ${job.ref} depends on itself`, { refs: [job.ref] });
      if (!refs.has(dep)) {
        throw new BatchPlanError(`job ${job.ref} depends on unknown job ${dep}`, { refs: [job.ref, dep] });
      }
      dependents.set(dep, [...(dependents.get(dep) ?? []), job.ref]);
    }
    waitingOn.set(job.ref, deps.size);
  }
  const levels: string[][] = [];
  let ready = jobs.filter((job) => waitingOn.get(job.ref) === 0).map((job) => job.ref);
  let placed = 0;
  while (ready.length > 0) {
    levels.push(ready);
    placed += ready.length;
    const next: string[] = [];
    for (const ref of ready) {
      for (const dependent of dependents.get(ref) ?? []) {
        const remaining = (waitingOn.get(dependent) ?? 0) - 1;
        waitingOn.set(dependent, remaining);
        if (remaining === 0) next.push(dependent);
      }
    }
    ready = next;
  }
  if (placed < jobs.length) {
    const cyclic = jobs.filter((job) => (waitingOn.get(job.ref) ?? 0) > 0).map((job) => job.ref);
    throw new BatchPlanError(`dependency cycle among jobs ${cyclic.slice(0, 20).join(', ')}`, {
      refs: cyclic,
    });
  }
  return levels;
}

export interface BatchCounts {
  total: number;
  byStatus: Partial<Record<JobStatus, number>>;
  /** Terminal jobs / total, 0-100. */
  percentComplete: number;
}

/** Aggregates derived from the jobs themselves (never stored counters, which could drift). */
export function countJobs(statuses: readonly JobStatus[]): BatchCounts {
  const byStatus: Partial<Record<JobStatus, number>> = {};
  for (const status of statuses) byStatus[status] = (byStatus[status] ?? 0) + 1;
  const terminal = (byStatus.COMPLETED ?? 0) + (byStatus.FAILED ?? 0) + (byStatus.CANCELLED ?? 0);
  const total = statuses.length;
  return { total, byStatus, percentComplete: total ? Math.floor((100 * terminal) / total) : 100 };
}

/**
 * ETA from observed throughput: the terminal jobs' completion times since the first one started give
 * a rate; the remaining jobs at that rate. Undefined until two jobs have finished.
 */
export function estimateSecondsLeft(
  startedAt: number | undefined,
  completedAts: readonly number[],
  remaining: number,
): number | undefined {
  if (remaining === 0) return 0;
  if (startedAt === undefined || completedAts.length < 2) return undefined;
  const elapsed = (Math.max(...completedAts) - startedAt) / 1000;
  if (elapsed <= 0) return undefined;
  return Math.ceil((remaining * elapsed) / completedAts.length);
}
