import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { PipelineConfig } from '../contract/config.js';
import {
  domainError,
  idempotencyKeyReused,
  invalidRequest,
  invalidState,
  notFound,
  parseInput,
} from '../core/domain-error.js';
import { type Job, type Outputs, requeuedFields } from '../core/job.js';
import { isUnderTenant } from '../core/keys.js';
import {
  ConditionFailedError,
  type JobQueue,
  type JobStore,
  type ObjectStore,
  type VideoOrchestrator,
} from '../core/ports.js';
import { admitTenant, checkIdempotencyKey } from '../jobs/admission.js';
import { canonicalJson } from '../jobs/job-service.js';
import { jobView } from '../jobs/job-view.js';
import { stopTranscode } from '../jobs/video/video-cancel.js';
import type { PresetService } from '../presets/preset-service.js';
import { type Batch, BatchPlanError, BatchRequest, batchJobId, planLevels } from './batch.js';
import { batchSummary, batchView } from './batch-view.js';
import type { BatchOrchestrator, BatchStore } from './ports.js';

export interface BatchServiceDeps {
  batches: BatchStore;
  jobs: JobStore;
  objects: ObjectStore;
  queue: JobQueue;
  presets: PresetService;
  orchestrator: BatchOrchestrator;
  config: PipelineConfig;
  /** Video deployments: cancelling a transcoding job stops its execution (video-cancel.ts). */
  video?: VideoOrchestrator;
  onStopFailed?: (error: unknown, job: Job) => void;
  now?: () => number;
}

const BATCH_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The /batches use cases. A batch's jobs are ordinary jobs; its counts are derived from them. */
export class BatchService {
  private readonly now: () => number;

  constructor(private readonly deps: BatchServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** POST /batches: validates the whole batch, writes it and its PENDING jobs, starts or schedules it. */
  async create(tenant: string, body: unknown, idempotencyKey?: string) {
    const request = parseInput(BatchRequest, body);
    const outside = request.jobs.findIndex((job) => !isUnderTenant(tenant, job.source.key));
    if (outside >= 0) {
      throw domainError(
        'forbidden',
        'KEY_OUTSIDE_TENANT',
        'Key outside tenant',
        `jobs[${outside}].source.key is not under your prefix`,
      );
    }
    try {
      planLevels(request.jobs);
    } catch (error) {
      if (!(error instanceof BatchPlanError)) throw error;
      throw domainError('unprocessable', 'INVALID_DEPENDENCIES', 'Invalid dependencies', error.message, {
        issues: (error.details.refs ?? []).map((ref) => ({
          path: `jobs[ref=${ref}]`,
          message: error.message,
        })),
      });
    }
    const startAt = request.startAt ? new Date(request.startAt) : undefined;
    let batchId = ulid(this.now());
    if (idempotencyKey !== undefined) {
      checkIdempotencyKey(idempotencyKey);
      const hash = createHash('sha256').update(canonicalJson(request)).digest('hex');
      const stored = await this.deps.jobs.reserveIdempotencyKey(
        tenant,
        `batch:${idempotencyKey}`,
        batchId,
        hash,
      );
      if (stored.requestHash !== hash) {
        throw idempotencyKeyReused();
      }
      batchId = stored.jobId;
    }
    const existing = await this.deps.batches.getBatch(tenant, batchId);
    if (existing && existing.status !== 'CREATING') {
      // A replay: make sure the start happened (a crash may have come between the writes and the start).
      if (existing.status === 'SCHEDULED') await this.launch(existing);
      return { batch: await this.view(existing), created: false };
    }
    await admitTenant(this.deps.jobs, tenant, this.deps.config.maxActiveJobsPerTenant);
    const timestamp = new Date(this.now()).toISOString();
    const batch: Batch = existing ?? {
      tenant,
      batchId,
      name: request.name,
      status: 'CREATING',
      priority: request.priority,
      maxConcurrency: request.maxConcurrency,
      total: request.jobs.length,
      startAt: startAt?.toISOString(),
      createdAt: timestamp,
      updatedAt: timestamp,
      idempotencyKey,
    };
    await this.deps.batches.createBatch(batch);
    await this.deps.batches.putJobs(await this.buildJobs(batch, request));
    let scheduled: Batch;
    try {
      scheduled = await this.deps.batches.setStatus(tenant, batchId, 'SCHEDULED', ['CREATING']);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      scheduled = (await this.deps.batches.getBatch(tenant, batchId)) ?? batch;
    }
    if (scheduled.status === 'SCHEDULED') await this.launch(scheduled);
    return { batch: await this.view(scheduled), created: true };
  }

  /** GET /batches/{id}: the batch, its counts, percent complete and ETA, and a page of its jobs. */
  /** GET /batches: the tenant's batches, newest first (counts are on GET /batches/{id}). */
  async list(tenant: string, query: { limit?: string; cursor?: string } = {}) {
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidRequest('limit must be an integer from 1 to 100');
    }
    try {
      const page = await this.deps.batches.listBatches(tenant, { limit, cursor: query.cursor });
      return { batches: page.batches.map(batchSummary), cursor: page.cursor };
    } catch (error) {
      if ((error as Error).name === 'InvalidCursorError') throw invalidRequest('cursor is not valid');
      throw error;
    }
  }

  async get(tenant: string, batchId: string, query: { limit?: string; cursor?: string } = {}) {
    const batch = await this.mustGet(tenant, batchId);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidRequest('limit must be an integer from 1 to 100');
    }
    let page: Awaited<ReturnType<BatchStore['listJobs']>>;
    try {
      page = await this.deps.batches.listJobs(tenant, batchId, { limit, cursor: query.cursor });
    } catch (error) {
      if ((error as Error).name === 'InvalidCursorError') {
        throw invalidRequest('cursor is not valid');
      }
      throw error;
    }
    return {
      ...(await this.view(batch)),
      jobs: await Promise.all(page.jobs.map((job) => this.jobView(job))),
      cursor: page.cursor,
    };
  }

  /**
   * DELETE /batches/{id}: no job of the batch starts afterwards; queued and running ones are cancelled
   * (a worker's late success is refused by the conditional write). The execution then winds down:
   * its slots stop, the pending jobs are cancelled, the report is written and `media.batch.cancelled` sent.
   */
  async cancel(tenant: string, batchId: string) {
    const batch = await this.mustGet(tenant, batchId);
    let cancelled: Batch;
    try {
      cancelled = await this.deps.batches.setStatus(tenant, batchId, 'CANCELLED', [
        'CREATING',
        'SCHEDULED',
        'RUNNING',
      ]);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw invalidState('Batch not cancellable', `batch is ${batch.status}`);
    }
    if (batch.status === 'SCHEDULED' && batch.startAt) await this.deps.orchestrator.unschedule(batchId);
    for await (const job of this.deps.batches.allJobs(tenant, batchId)) {
      if (job.status !== 'QUEUED' && job.status !== 'PROCESSING') continue;
      await this.cancelQuietly(job);
    }
    // A batch that never started still needs its execution to cancel the pending jobs and report.
    if (batch.status !== 'RUNNING') await this.deps.orchestrator.start(tenant, batchId);
    return this.view(cancelled);
  }

  /** DELETE /batches/{id}/jobs/{jobId}: cancels that job only; its slot moves on to the next job. */
  async cancelJob(tenant: string, batchId: string, jobId: string) {
    const job = await this.mustGetJob(tenant, batchId, jobId);
    try {
      const cancelled = await this.deps.jobs.transition(tenant, jobId, 'CANCELLED', {
        set: { stage: 'cancelled', completedAt: new Date(this.now()).toISOString() },
      });
      await this.stopTranscode(cancelled);
      return this.jobView(cancelled);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw invalidState('Job not cancellable', `job is ${job.status}`);
    }
  }

  /**
   * POST /batches/{id}/jobs/{jobId}/retry: a FAILED or CANCELLED job of the batch is queued again
   * (outside the batch's slots: it was already admitted once). A finished batch's report is rewritten
   * when the job ends again.
   */
  async retryJob(tenant: string, batchId: string, jobId: string) {
    const job = await this.mustGetJob(tenant, batchId, jobId);
    const batch = await this.mustGet(tenant, batchId);
    let queued: Job;
    try {
      queued = await this.deps.jobs.transition(tenant, jobId, 'QUEUED', {
        from: ['FAILED', 'CANCELLED'],
        set: requeuedFields(new Date(this.now()).toISOString()),
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw invalidState('Job not retryable', `job is ${job.status}; only FAILED or CANCELLED jobs retry`);
    }
    await this.deps.queue.enqueue({ tenant, jobId, priority: batch.priority });
    return this.jobView(queued);
  }

  /** GET /batches/{id}/report: the report the batch wrote to S3 when it ended (JSON or CSV). */
  async report(tenant: string, batchId: string, format: 'json' | 'csv') {
    const batch = await this.mustGet(tenant, batchId);
    if (!batch.report) {
      throw domainError(
        'invalid-state',
        'REPORT_NOT_READY',
        'Report not ready',
        `batch is ${batch.status}; the report is written when it ends`,
      );
    }
    const key = format === 'csv' ? batch.report.csv : batch.report.json;
    return (await this.deps.objects.read(this.deps.config.outputsBucket, key)).toString('utf8');
  }

  private async launch(batch: Batch): Promise<void> {
    const at = batch.startAt ? Date.parse(batch.startAt) : undefined;
    if (at !== undefined && at > this.now() + 1000) {
      await this.deps.orchestrator.schedule(batch.tenant, batch.batchId, new Date(at));
    } else await this.deps.orchestrator.start(batch.tenant, batch.batchId);
  }

  private async buildJobs(batch: Batch, request: BatchRequest): Promise<Job[]> {
    const ids = new Map(request.jobs.map((job, i) => [job.ref, batchJobId(batch.batchId, i)]));
    const resolved = new Map<string, Outputs>();
    const jobs: Job[] = [];
    for (const [i, spec] of request.jobs.entries()) {
      const { ref, dependsOn, source, ...asked } = spec;
      const cacheKey = canonicalJson(asked.outputs);
      let outputs = resolved.get(cacheKey);
      if (!outputs) {
        outputs = await this.deps.presets.resolveForJob(batch.tenant, asked.outputs);
        resolved.set(cacheKey, outputs);
      }
      const deps = [...new Set(dependsOn ?? [])].map((dep) => ids.get(dep) as string);
      jobs.push({
        tenant: batch.tenant,
        jobId: batchJobId(batch.batchId, i),
        status: 'PENDING',
        stage: 'pending',
        progress: 0,
        attempt: 0,
        request: { ...asked, outputs, priority: batch.priority },
        source: { bucket: this.deps.config.uploadsBucket, key: source.key },
        batch: { batchId: batch.batchId, ref, ...(deps.length ? { dependsOn: deps } : {}) },
        createdAt: batch.createdAt,
        updatedAt: batch.createdAt,
      });
    }
    return jobs;
  }

  private stopTranscode(job: Job): Promise<void> {
    return stopTranscode({ ...this.deps, outputsBucket: this.deps.config.outputsBucket }, job);
  }

  private async cancelQuietly(job: Job): Promise<void> {
    try {
      const cancelled = await this.deps.jobs.transition(job.tenant, job.jobId, 'CANCELLED', {
        set: { stage: 'cancelled', completedAt: new Date(this.now()).toISOString() },
      });
      await this.stopTranscode(cancelled);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  private async mustGet(tenant: string, batchId: string): Promise<Batch> {
    const batch = BATCH_ID.test(batchId) ? await this.deps.batches.getBatch(tenant, batchId) : undefined;
    if (!batch) throw notFound('Batch not found', `no batch ${batchId}`);
    return batch;
  }

  private async mustGetJob(tenant: string, batchId: string, jobId: string): Promise<Job> {
    const job = BATCH_ID.test(jobId) ? await this.deps.jobs.get(tenant, jobId) : undefined;
    if (!job || job.batch?.batchId !== batchId) {
      throw notFound('Job not found', `no job ${jobId} in batch ${batchId}`);
    }
    return job;
  }

  private jobView(job: Job) {
    return jobView(job, this.deps.objects, this.deps.config.outputsBucket);
  }

  private view(batch: Batch) {
    return batchView(batch, this.deps.batches.jobStatuses(batch.tenant, batch.batchId));
  }
}
