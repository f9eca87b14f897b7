import type { BatchEventType } from '../contract/events.js';
import { isTerminal, type Job, type JobStatus } from '../core/job.js';
import {
  ConditionFailedError,
  type EventPublisher,
  type JobQueue,
  type JobStore,
  type ObjectStore,
} from '../core/ports.js';
import { type Batch, countJobs } from './batch.js';
import { type BatchEvent, batchEventId } from './batch-events.js';
import { buildBatchReport } from './batch-report.js';
import type { BatchStore, TaskCallbacks } from './ports.js';

/**
 * The batch state machine's tasks (lambdas/batch-tasks) and the callback that frees a slot when its
 * job ends (lambdas/batch-callback). The execution runs `maxConcurrency` slots; each slot loops:
 * `next` starts one job and hands its task token to the job, the job's terminal event returns it.
 */
export interface BatchRunnerDeps {
  batches: BatchStore;
  jobs: JobStore;
  queue: JobQueue;
  objects: ObjectStore;
  callbacks: TaskCallbacks;
  /** Batch events; absent in tools and tests that do not need them. */
  events?: EventPublisher;
  outputsBucket: string;
  now?: () => number;
}

/** What a slot's `next` task returns through its token. */
export type SlotStep =
  | { state: 'ran'; jobId: string; status: string }
  | { state: 'wait' }
  | { state: 'done' };

/** Pending ids read per query while looking for a job whose dependencies are met. */
const PENDING_PAGE = 25;

export class BatchRunner {
  private readonly now: () => number;

  constructor(private readonly deps: BatchRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * First state: SCHEDULED → RUNNING, and one Map item per slot (none when the batch was cancelled).
   * Records the execution (`executionArn`), which the reconciler checks: a run it started after the first
   * one ended or vanished takes the batch over where it stands.
   */
  async start(tenant: string, batchId: string, executionArn?: string) {
    let batch = await this.mustGet(tenant, batchId);
    const execution = executionArn ? { executionArn } : {};
    if (batch.status === 'SCHEDULED') {
      try {
        batch = await this.deps.batches.setStatus(tenant, batchId, 'RUNNING', ['SCHEDULED'], {
          startedAt: this.iso(),
          ...execution,
        });
        await this.publish(batch, 'media.batch.started');
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        batch = await this.mustGet(tenant, batchId);
      }
    } else if (
      executionArn &&
      batch.executionArn !== executionArn &&
      !batch.report &&
      batch.status !== 'COMPLETED'
    ) {
      try {
        batch = await this.deps.batches.setStatus(tenant, batchId, batch.status, [batch.status], execution);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        batch = await this.mustGet(tenant, batchId);
      }
    }
    const running = batch.status === 'RUNNING';
    return {
      tenant,
      batchId,
      maxConcurrency: batch.maxConcurrency,
      slots: running ? Array.from({ length: batch.maxConcurrency }, (_, i) => i) : [],
    };
  }

  /**
   * A slot asks for its next job. Starts the first PENDING job (in submission order) whose dependencies
   * all COMPLETED, handing it the slot's task token; fails the ones whose dependency failed. When it
   * starts none, it completes the token itself: `wait` while dependencies are still running, else `done`.
   */
  async next(tenant: string, batchId: string, taskToken: string): Promise<{ started?: string }> {
    const batch = await this.mustGet(tenant, batchId);
    let waiting = false;
    if (batch.status === 'RUNNING') {
      let after: string | undefined;
      scan: for (;;) {
        const page = await this.deps.batches.pendingJobIds(tenant, batchId, {
          limit: PENDING_PAGE,
          afterJobId: after,
        });
        for (const jobId of page.jobIds) {
          const outcome = await this.tryStart(batch, jobId, taskToken);
          if (outcome === 'started') return { started: jobId };
          if (outcome === 'waiting') waiting = true;
          if (outcome === 'cancelled') {
            waiting = false;
            break scan;
          }
        }
        if (!page.more || page.jobIds.length === 0) break;
        after = page.jobIds[page.jobIds.length - 1];
      }
    }
    await this.deps.callbacks.succeed(taskToken, { state: waiting ? 'wait' : 'done' } satisfies SlotStep);
    return {};
  }

  /**
   * After the slots: `more` when pending jobs remain (slots end after a bounded number of jobs to keep
   * execution histories short), `wait` while a job is still running outside a slot, else the batch ends:
   * pending jobs of a cancelled batch are cancelled, the report is written, the event published.
   */
  async finish(tenant: string, batchId: string): Promise<{ state: 'more' | 'wait' | 'done' }> {
    let batch = await this.mustGet(tenant, batchId);
    if (batch.status === 'RUNNING') {
      const pending = await this.deps.batches.pendingJobIds(tenant, batchId, { limit: 1 });
      if (pending.jobIds.length > 0) return { state: 'more' };
    }
    if (batch.status === 'CANCELLED') await this.cancelPending(batch);
    const jobs = await this.jobsOf(batch);
    if (batch.status === 'RUNNING' && jobs.some((job) => !isTerminal(job.status))) return { state: 'wait' };
    if (batch.status === 'RUNNING' || batch.status === 'CANCELLED') {
      const to = batch.status === 'RUNNING' ? 'COMPLETED' : 'CANCELLED';
      const endedAt = batch.endedAt ?? this.iso();
      const report = await this.writeReport({ ...batch, status: to, endedAt }, jobs);
      batch = await this.deps.batches.setStatus(tenant, batchId, to, [batch.status], { endedAt, report });
      await this.publish(batch, to === 'COMPLETED' ? 'media.batch.completed' : 'media.batch.cancelled', jobs);
    }
    return { state: 'done' };
  }

  /** A batch job ended: return its slot's token, and refresh the report of a batch that already ended. */
  async onJobEnded(tenant: string, jobId: string): Promise<void> {
    const job = await this.deps.jobs.get(tenant, jobId);
    if (!job?.batch || !isTerminal(job.status)) return;
    if (job.batchTaskToken) {
      await this.deps.callbacks.succeed(job.batchTaskToken, {
        state: 'ran',
        jobId,
        status: job.status,
      } satisfies SlotStep);
    }
    const batch = await this.deps.batches.getBatch(tenant, job.batch.batchId);
    if (batch?.report && (batch.status === 'COMPLETED' || batch.status === 'CANCELLED')) {
      const report = await this.writeReport(batch, await this.jobsOf(batch));
      await this.deps.batches.setStatus(tenant, batch.batchId, batch.status, [batch.status], { report });
    }
  }

  private async tryStart(
    batch: Batch,
    jobId: string,
    taskToken: string,
  ): Promise<'started' | 'waiting' | 'skipped' | 'cancelled'> {
    const { tenant } = batch;
    const job = await this.deps.jobs.get(tenant, jobId);
    if (job?.status !== 'PENDING') return 'skipped';
    const deps = await Promise.all((job.batch?.dependsOn ?? []).map((id) => this.deps.jobs.get(tenant, id)));
    const broken = deps.find((dep) => !dep || dep.status === 'FAILED' || dep.status === 'CANCELLED');
    try {
      if (broken || deps.length !== (job.batch?.dependsOn ?? []).length) {
        await this.deps.jobs.transition(tenant, jobId, 'FAILED', {
          set: {
            stage: 'failed',
            completedAt: this.iso(),
            error: {
              code: 'DEPENDENCY_FAILED',
              message: `dependency ${broken?.batch?.ref ?? '?'} (${broken?.jobId ?? 'missing'}) is ${broken?.status ?? 'missing'}`,
              retryable: false,
            },
          },
        });
        return 'skipped';
      }
      if (deps.some((dep) => dep?.status !== 'COMPLETED')) return 'waiting';
      await this.deps.jobs.transition(tenant, jobId, 'QUEUED', {
        set: { stage: 'queued', queuedAt: this.iso(), batchTaskToken: taskToken },
        event: 'media.job.queued',
      });
    } catch (error) {
      // Another slot took (or a cancel ended) the job first.
      if (error instanceof ConditionFailedError) return 'skipped';
      throw error;
    }
    // A cancel that came while this slot was looking must not let the job start: the cancel's own sweep
    // of running jobs may have read before this job was queued.
    if ((await this.deps.batches.getBatch(tenant, batch.batchId))?.status === 'CANCELLED') {
      await this.endQuietly(tenant, jobId, 'CANCELLED', ['QUEUED']);
      return 'cancelled';
    }
    await this.deps.queue.enqueue({ tenant, jobId, priority: batch.priority });
    return 'started';
  }

  private async cancelPending(batch: Batch): Promise<void> {
    for (;;) {
      const page = await this.deps.batches.pendingJobIds(batch.tenant, batch.batchId, { limit: 100 });
      if (page.jobIds.length === 0) return;
      await Promise.all(
        page.jobIds.map((jobId) => this.endQuietly(batch.tenant, jobId, 'CANCELLED', ['PENDING'])),
      );
    }
  }

  /** Cancels the job if it is still in one of `from`; someone else having moved it is fine. */
  private async endQuietly(tenant: string, jobId: string, to: 'CANCELLED', from: readonly JobStatus[]) {
    try {
      await this.deps.jobs.transition(tenant, jobId, to, {
        from,
        set: { stage: 'cancelled', completedAt: this.iso(), batchTaskToken: undefined },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  private async writeReport(batch: Batch, jobs: readonly Job[]) {
    const writtenAt = this.iso();
    const { json, csv } = buildBatchReport(batch, jobs, writtenAt);
    const base = `reports/${batch.tenant}/${batch.batchId}`;
    const keys = { json: `${base}/report.json`, csv: `${base}/report.csv` };
    await this.deps.objects.write(
      this.deps.outputsBucket,
      keys.json,
      Buffer.from(JSON.stringify(json)),
      'application/json',
    );
    await this.deps.objects.write(
      this.deps.outputsBucket,
      keys.csv,
      Buffer.from(csv),
      'text/csv; charset=utf-8',
    );
    return { ...keys, writtenAt };
  }

  private async jobsOf(batch: Batch): Promise<Job[]> {
    const jobs: Job[] = [];
    for await (const job of this.deps.batches.allJobs(batch.tenant, batch.batchId)) jobs.push(job);
    return jobs;
  }

  private async publish(batch: Batch, type: BatchEventType, jobs?: readonly Job[]): Promise<void> {
    if (!this.deps.events) return;
    const counts = jobs ? countJobs(jobs.map((job) => job.status)).byStatus : {};
    const event: BatchEvent = {
      type,
      detail: {
        version: '1',
        eventId: batchEventId(batch.batchId, type),
        tenant: batch.tenant,
        occurredAt: this.iso(),
        batch: {
          id: batch.batchId,
          name: batch.name,
          status: batch.status as 'RUNNING' | 'COMPLETED' | 'CANCELLED',
          total: batch.total,
          counts,
        },
        ...(batch.report ? { report: { json: batch.report.json, csv: batch.report.csv } } : {}),
      },
    };
    await this.deps.events.publish([event]);
  }

  private async mustGet(tenant: string, batchId: string): Promise<Batch> {
    const batch = await this.deps.batches.getBatch(tenant, batchId);
    if (!batch) throw new Error(`batch ${batchId} of ${tenant} not found`);
    return batch;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
