import { ALLOWED_FROM, type Job, JobStatus } from '../core/job.js';
import { ConditionFailedError, type JobStore, type ListPage, type TransitionOptions } from '../core/ports.js';

/**
 * The JobStore of the unit tests: the same conditions as the DynamoDB adapter (allowed previous states,
 * attempt fencing, leases, monotonic progress, newest-first pages), held to it by
 * test/contract/stores.contract.test.ts. It records no outbox: event publishing is the DynamoDB outbox's,
 * tested with that adapter.
 */
export class InMemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly idempotency = new Map<string, { jobId: string; requestHash: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(job: Job): Promise<boolean> {
    const key = keyOf(job.tenant, job.jobId);
    if (this.jobs.has(key)) return false;
    this.jobs.set(key, structuredClone(job));
    return true;
  }

  async get(tenant: string, jobId: string): Promise<Job | undefined> {
    const job = this.jobs.get(keyOf(tenant, jobId));
    return job ? structuredClone(job) : undefined;
  }

  async list(tenant: string, options: { limit: number; cursor?: string }): Promise<ListPage> {
    const { limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid list limit ${limit}`);
    const all = [...this.jobs.values()]
      .filter((job) => job.tenant === tenant)
      .sort((a, b) => b.jobId.localeCompare(a.jobId));
    let start = 0;
    if (options.cursor !== undefined) {
      const index = all.findIndex((job) => job.jobId === options.cursor);
      if (index < 0) throw Object.assign(new Error('invalid list cursor'), { name: 'InvalidCursorError' });
      start = index + 1;
    }
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { jobs: page.map((job) => structuredClone(job)), cursor: more ? page.at(-1)?.jobId : undefined };
  }

  async transition(tenant: string, jobId: string, to: JobStatus, options: TransitionOptions = {}) {
    if (!ALLOWED_FROM[to]) throw new TypeError(`unknown job status ${String(to)}`);
    const allowed = ALLOWED_FROM[to].filter((status) => !options.from || options.from.includes(status));
    const job = this.jobs.get(keyOf(tenant, jobId));
    const attemptOk = options.attempt === undefined || job?.attempt === options.attempt;
    if (!job || !allowed.includes(job.status) || !attemptOk) {
      const expected = `${to} requires ${allowed.join('|') || 'nothing'}`;
      throw new ConditionFailedError(
        job
          ? `job ${jobId} is ${job.status} (attempt ${job.attempt}); ${expected}`
          : `job ${jobId} does not exist; ${expected}`,
      );
    }
    const { updatedAt, ...fields } = options.set ?? {};
    for (const attribute of Object.keys(fields)) {
      if (PROTECTED.has(attribute)) throw new TypeError(`transition may not set ${attribute}`);
    }
    const next: Job = { ...job, status: to, updatedAt: updatedAt ?? new Date(this.now()).toISOString() };
    for (const [attribute, value] of Object.entries(fields)) {
      if (value === undefined) delete (next as unknown as Record<string, unknown>)[attribute];
      else (next as unknown as Record<string, unknown>)[attribute] = structuredClone(value);
    }
    this.jobs.set(keyOf(tenant, jobId), next);
    return structuredClone(next);
  }

  async claim(tenant: string, jobId: string, leaseMs: number, now = this.now(), expectedAttempt?: number) {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`invalid lease ${leaseMs}`);
    const job = this.jobs.get(keyOf(tenant, jobId));
    if (!job) return undefined;
    const fresh = job.status !== JobStatus.PROCESSING && ALLOWED_FROM.PROCESSING.includes(job.status);
    const expired =
      job.status === JobStatus.PROCESSING && (job.leaseUntil === undefined || job.leaseUntil < now);
    if (!(fresh || expired)) return undefined;
    if (expectedAttempt !== undefined && job.attempt !== expectedAttempt) return undefined;
    const at = new Date(now).toISOString();
    const next: Job = {
      ...job,
      status: JobStatus.PROCESSING,
      attempt: (expectedAttempt ?? job.attempt ?? 0) + 1,
      leaseUntil: now + leaseMs,
      stage: 'processing',
      updatedAt: at,
      startedAt: job.startedAt ?? at,
    };
    this.jobs.set(keyOf(tenant, jobId), next);
    return structuredClone(next);
  }

  async extendLease(tenant: string, jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`invalid lease ${leaseMs}`);
    const job = this.jobs.get(keyOf(tenant, jobId));
    if (job?.status !== JobStatus.PROCESSING || job.attempt !== attempt) return false;
    job.leaseUntil = this.now() + leaseMs;
    return true;
  }

  async reportProgress(
    tenant: string,
    jobId: string,
    attempt: number,
    stage: string,
    progress: number,
    options: { etaSeconds?: number } = {},
  ): Promise<boolean> {
    if (!Number.isFinite(progress)) throw new RangeError(`invalid progress ${progress}`);
    const value = Math.min(100, Math.max(0, progress));
    const job = this.jobs.get(keyOf(tenant, jobId));
    if (job?.status !== JobStatus.PROCESSING || job.attempt !== attempt) return false;
    if (job.progress !== undefined && job.progress >= value) return false;
    job.progress = value;
    job.stage = stage;
    job.updatedAt = new Date(this.now()).toISOString();
    if (options.etaSeconds !== undefined && Number.isFinite(options.etaSeconds)) {
      job.etaSeconds = Math.max(0, Math.round(options.etaSeconds));
    }
    return true;
  }

  async countActive(tenant: string, upTo: number): Promise<number> {
    let count = 0;
    for (const job of this.jobs.values()) {
      if (job.tenant === tenant && countsAsActive(job.status) && ++count >= upTo) break;
    }
    return count;
  }

  async reserveIdempotencyKey(tenant: string, key: string, jobId: string, requestHash: string) {
    const stored = this.idempotency.get(keyOf(tenant, key));
    if (stored) return { ...stored };
    this.idempotency.set(keyOf(tenant, key), { jobId, requestHash });
    return { jobId, requestHash };
  }
}

const keyOf = (tenant: string, id: string) => `${tenant}\u0000${id}`;
/** As the ActiveByTenant index: the jobs admission counts (queued or processing). */
const countsAsActive = (status: JobStatus) => status === JobStatus.QUEUED || status === JobStatus.PROCESSING;
/** Attributes a transition's `set` may never touch (as the DynamoDB adapter refuses them). */
const PROTECTED = new Set(['tenant', 'jobId', 'status', 'outbox', 'outboxAt', 'outboxFailures']);
