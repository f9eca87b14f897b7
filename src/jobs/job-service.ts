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
import { type Job, type JobRequest, SubmitJobRequest, UploadRequest } from '../core/job.js';
import { isUnderTenant, uploadKey } from '../core/keys.js';
import {
  ConditionFailedError,
  type JobQueue,
  type JobStore,
  type ObjectStore,
  type PresignedPost,
  type VideoOrchestrator,
} from '../core/ports.js';
import type { PresetService } from '../presets/preset-service.js';
import { admitTenant, checkIdempotencyKey } from './admission.js';
import { type JobView, jobView } from './job-view.js';
import { stopTranscode } from './video/video-cancel.js';

export interface JobServiceDeps {
  jobs: JobStore;
  objects: ObjectStore;
  queue: JobQueue;
  presets: PresetService;
  config: PipelineConfig;
  /** Video deployments: accepts video/audio uploads; a cancel stops the job's transcode. */
  video?: VideoOrchestrator;
  onStopFailed?: (error: unknown, job: Job) => void;
  now?: () => number;
}

const IMAGE_TYPES = /^image\/(jpeg|png|webp|gif|avif|heic|heif|tiff)$/;
/** Declared types a video deployment accepts (the bytes still decide: the worker sniffs, ffprobe checks). */
const VIDEO_TYPES =
  /^(video\/(mp4|quicktime|webm|x-matroska|x-msvideo|mp2t|x-flv|ogg)|audio\/(mp4|mpeg|aac|wav|x-wav|flac|ogg|opus|webm))$/;

/** The HTTP API's use cases. Every call is scoped to the tenant the API key resolved to. */
export class JobService {
  private readonly now: () => number;

  constructor(private readonly deps: JobServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** POST /uploads: a job waiting for its upload, plus a presigned POST for exactly that key. */
  async createUpload(tenant: string, body: unknown, idempotencyKey?: string) {
    const parsed = parseInput(UploadRequest, body);
    // Media types are case-insensitive (RFC 9110): one spelling is stored and signed into the POST policy.
    const request = { ...parsed, contentType: parsed.contentType.toLowerCase() };
    const { config } = this.deps;
    const isVideo = this.deps.video !== undefined && VIDEO_TYPES.test(request.contentType);
    const maxBytes = isVideo ? config.maxVideoUploadBytes : config.maxUploadBytes;
    if (request.size > maxBytes) {
      throw domainError(
        'too-large',
        'OBJECT_TOO_LARGE',
        'Upload too large',
        `size ${request.size} exceeds ${maxBytes} bytes`,
      );
    }
    if (!isVideo && !IMAGE_TYPES.test(request.contentType)) {
      throw domainError(
        'unsupported-media',
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported media type',
        `${request.contentType} is not an accepted type`,
      );
    }
    const { fileName, contentType, size, ...asked } = request;
    const { job, created } = await this.createOnce(tenant, request, idempotencyKey, async (jobId) => ({
      status: 'AWAITING_UPLOAD',
      request: { ...asked, outputs: await this.deps.presets.resolveForJob(tenant, asked.outputs) },
      source: {
        bucket: config.uploadsBucket,
        key: uploadKey(tenant, jobId, fileName, asked.priority),
        contentType,
        size,
      },
    }));
    let upload: PresignedPost | undefined;
    if (job.status === 'AWAITING_UPLOAD') {
      upload = await this.deps.objects.presignPost({
        bucket: config.uploadsBucket,
        key: job.source.key,
        contentType: job.source.contentType ?? contentType,
        // The policy holds the upload to the size the client declared (and was checked) above.
        maxBytes: job.source.size ?? size,
        expiresInSeconds: config.uploadUrlTtlSeconds,
      });
    }
    return { job: await this.view(job), upload, created };
  }

  /** POST /jobs: process an object already in the uploads bucket, under the caller's prefix. */
  async submit(tenant: string, body: unknown, idempotencyKey?: string) {
    const request = parseInput(SubmitJobRequest, body);
    const { config } = this.deps;
    if (!isUnderTenant(tenant, request.source.key)) {
      throw domainError(
        'forbidden',
        'KEY_OUTSIDE_TENANT',
        'Key outside tenant',
        'source.key must be under your tenant prefix',
      );
    }
    const { source, ...asked } = request;
    // Checks that depend on the world (the object, the tenant's presets) run only when a job is created:
    // a replay of an earlier request answers with its job even if they would now fail.
    const { job, created } = await this.createOnce(tenant, request, idempotencyKey, async () => {
      const head = await this.deps.objects.head(config.uploadsBucket, source.key);
      if (!head) {
        throw domainError(
          'unprocessable',
          'SOURCE_NOT_FOUND',
          'Source not found',
          `no object at ${source.key}`,
        );
      }
      return {
        status: 'QUEUED',
        request: { ...asked, outputs: await this.deps.presets.resolveForJob(tenant, asked.outputs) },
        source: {
          bucket: config.uploadsBucket,
          key: source.key,
          size: head.size,
          contentType: head.contentType,
        },
      };
    });
    // Enqueue again on a replay too: a crash between create and enqueue must not strand the job.
    if (job.status === 'QUEUED') {
      await this.deps.queue.enqueue({ tenant, jobId: job.jobId, priority: job.request.priority });
    }
    return { job: await this.view(job), created };
  }

  async get(tenant: string, jobId: string): Promise<JobView> {
    return this.view(await this.mustGet(tenant, jobId));
  }

  async list(tenant: string, query: { limit?: string; cursor?: string }) {
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidRequest('limit must be an integer from 1 to 100');
    }
    let page: Awaited<ReturnType<JobStore['list']>>;
    try {
      page = await this.deps.jobs.list(tenant, { limit, cursor: query.cursor });
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidCursorError') {
        throw invalidRequest('cursor is not valid');
      }
      throw error;
    }
    return { jobs: await Promise.all(page.jobs.map((job) => this.view(job))), cursor: page.cursor };
  }

  /** DELETE /jobs/{id}: a conditional write; a worker finishing later cannot overwrite it. */
  async cancel(tenant: string, jobId: string): Promise<JobView> {
    const job = await this.mustGet(tenant, jobId);
    try {
      const cancelled = await this.deps.jobs.transition(tenant, jobId, 'CANCELLED', {
        set: {
          stage: 'cancelled',
          etaSeconds: undefined,
          completedAt: new Date(this.now()).toISOString(),
        },
      });
      await stopTranscode({ ...this.deps, outputsBucket: this.deps.config.outputsBucket }, cancelled);
      return this.view(cancelled);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = (await this.deps.jobs.get(tenant, jobId)) ?? job;
      throw invalidState('Job not cancellable', `job is ${current.status}`);
    }
  }

  private async mustGet(tenant: string, jobId: string): Promise<Job> {
    const job = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(jobId) ? await this.deps.jobs.get(tenant, jobId) : undefined;
    if (!job) throw notFound('Job not found', `no job ${jobId}`);
    return job;
  }

  private view(job: Job) {
    return jobView(job, this.deps.objects, this.deps.config.outputsBucket);
  }

  /**
   * Creates the job at most once per Idempotency-Key: the key is reserved first (conditional put)
   * with the new job's id, so a retry, or a crash between the two writes, finds the same id.
   */
  private async createOnce(
    tenant: string,
    request: unknown,
    idempotencyKey: string | undefined,
    build: (jobId: string) => Promise<Pick<Job, 'status' | 'request' | 'source'>>,
  ): Promise<{ job: Job; created: boolean }> {
    let jobId = ulid(this.now());
    if (idempotencyKey !== undefined) {
      checkIdempotencyKey(idempotencyKey);
      const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
      const stored = await this.deps.jobs.reserveIdempotencyKey(tenant, idempotencyKey, jobId, requestHash);
      if (stored.requestHash !== requestHash) {
        throw idempotencyKeyReused();
      }
      jobId = stored.jobId;
      const existing = await this.deps.jobs.get(tenant, jobId);
      if (existing) return { job: existing, created: false };
    }
    await admitTenant(this.deps.jobs, tenant, this.deps.config.maxActiveJobsPerTenant);
    const built = await build(jobId);
    const timestamp = new Date(this.now()).toISOString();
    const job: Job = {
      tenant,
      jobId,
      stage: 'created',
      progress: 0,
      attempt: 0,
      idempotencyKey,
      createdAt: timestamp,
      updatedAt: timestamp,
      ...built,
      // Created QUEUED (POST /jobs): queued now. An upload is queued when its bytes arrive.
      ...(built.status === 'QUEUED' ? { queuedAt: timestamp } : {}),
    };
    if (await this.deps.jobs.create(job)) return { job, created: true };
    const existing = await this.deps.jobs.get(tenant, jobId);
    if (!existing) throw new Error(`job ${jobId} vanished after a create conflict`);
    return { job: existing, created: false };
  }
}

export type { JobRequest };

/** JSON with object keys sorted: the same request with its keys in another order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
