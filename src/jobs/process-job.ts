import { createHash } from 'node:crypto';
import { ZodError } from 'zod';
import { ErrorCodes, inputError, type PipelineError, toPipelineError } from '../core/errors.js';
import { progressMilestone } from '../core/events.js';
import { type Job, type OutputRecord, OutputSpec } from '../core/job.js';
import { outputKey } from '../core/keys.js';
import {
  ConditionFailedError,
  type JobStore,
  type ObjectStore,
  type VideoOrchestrator,
} from '../core/ports.js';
import { extensionFor, type ImageLimits, processImage } from '../media/image/pipeline.js';
import { SNIFF_BYTES, sniff } from '../media/sniff.js';
import { resolveOutputs } from '../presets/presets.js';
import type { NearDuplicateIndex } from '../similarity/near-duplicates.js';
import { findDuplicates, hashAsset, indexAsset } from './asset-hashes.js';
import { startHeartbeat } from './lease-heartbeat.js';

export interface ProcessDeps {
  jobs: JobStore;
  objects: ObjectStore;
  outputsBucket: string;
  maxUploadBytes: number;
  leaseMs: number;
  imageLimits?: ImageLimits;
  /** The tenant's near-duplicate index; without it hashes are computed but no duplicates looked up. */
  hashIndex?: NearDuplicateIndex;
  /**
   * Where video and audio sources go (a Step Functions execution per attempt). Without it they fail with
   * UNSUPPORTED_MEDIA_TYPE, as images-only deployments did.
   */
  video?: { orchestrator: VideoOrchestrator; leaseMs: number; maxBytes: number };
  /**
   * Called after each heartbeat renewed the lease (the worker extends its message's visibility to
   * match, so a message whose worker died comes back when the lease ends, not after the queue's timeout).
   */
  onLeaseRenewed?: (leaseMs: number) => Promise<void>;
  /** How often the lease is renewed while the job is processed (default: a third of the lease). */
  heartbeatMs?: number;
  now?: () => number;
}

export type ProcessOutcome =
  | { result: 'completed'; job: Job }
  | { result: 'failed'; job: Job; error: PipelineError }
  | { result: 'already-terminal'; job: Job }
  | { result: 'cancelled-meanwhile'; jobId: string }
  | { result: 'transcoding'; job: Job; executionArn: string }
  | { result: 'duplicate-in-flight'; jobId: string }
  | { result: 'not-found'; jobId: string };

/**
 * Processes one job: claim it (a conditional write, so duplicates and racing workers cannot both
 * run it), check and sniff the source, render every output, then complete under the same attempt.
 * Input errors end the job FAILED and return normally (the message is acknowledged: no retry loop).
 * Retryable errors release the claim and are rethrown so the queue redelivers the message.
 */
export async function processJob(
  deps: ProcessDeps,
  tenant: string,
  jobId: string,
  /** The job as the caller just read it, to save a second read; the claim re-checks it anyway. */
  alreadyRead?: Job,
): Promise<ProcessOutcome> {
  const now = deps.now ?? Date.now;
  const existing = alreadyRead ?? (await deps.jobs.get(tenant, jobId));
  if (!existing) return { result: 'not-found', jobId };
  if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(existing.status)) {
    // A redelivery after the completion but before the index write finished: index now (idempotent).
    await indexCompleted(deps, existing);
    return { result: 'already-terminal', job: existing };
  }
  const job = await deps.jobs.claim(tenant, jobId, deps.leaseMs, now(), existing.attempt);
  if (!job) {
    const current = await deps.jobs.get(tenant, jobId);
    if (current && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(current.status)) {
      return { result: 'already-terminal', job: current };
    }
    // A video job handed to its execution holds a long claim. If the worker died between recording the
    // hand-over and starting the execution (or the start failed and the release did too), this message is
    // the only thing left to drive the job: start it again (same name and input: a no-op if it runs).
    if (current && deps.video && current.status === 'PROCESSING' && current.stage === 'transcode-queued') {
      const executionArn = await deps.video.orchestrator.start(current);
      return { result: 'transcoding', job: current, executionArn };
    }
    // Another worker holds a live lease, so this message is a duplicate of the one it is working on.
    // Acknowledge it: if that worker fails, its own message comes back and re-claims after the lease.
    // (Retrying here instead would spend the receive count and could dead-letter a healthy job.)
    return { result: 'duplicate-in-flight', jobId };
  }

  const heartbeat = startHeartbeat(deps, job);
  try {
    const detected = await checkSource(deps, job);
    if (deps.video && (detected.kind === 'video' || detected.kind === 'audio')) {
      // The hand-over sets the execution's long lease: no renewal may shorten it afterwards.
      await heartbeat.stop();
      return await startTranscode(deps, deps.video, job);
    }
    const rendered = await render(deps, job, detected);
    const outcome = await finish(deps, job, {
      status: 'COMPLETED',
      // error: undefined removes what a retryable failure of an earlier attempt recorded.
      set: {
        ...rendered,
        stage: 'done',
        progress: 100,
        completedAt: new Date(now()).toISOString(),
        error: undefined,
      },
    });
    // Only completed assets join the index: a job that fails or is cancelled never shows up as a duplicate.
    if (outcome.result === 'completed') await indexCompleted(deps, outcome.job);
    return outcome;
  } catch (caught) {
    // A stored request that no longer validates (e.g. after a schema change) will not get better by retrying.
    const error =
      caught instanceof ZodError
        ? inputError(
            ErrorCodes.INVALID_REQUEST,
            `the job's outputs are not valid: ${caught.issues[0]?.message}`,
          )
        : toPipelineError(caught);
    if (!error.retryable) {
      return await finish(deps, job, {
        status: 'FAILED',
        set: {
          stage: 'failed',
          error: { code: error.code, message: error.message, retryable: false },
          completedAt: new Date(now()).toISOString(),
        },
        error,
      });
    }
    // Give the claim back so the redelivered message can take it at once.
    error.claimReleased = await deps.jobs
      .transition(tenant, jobId, 'PROCESSING', {
        attempt: job.attempt,
        set: {
          leaseUntil: 0,
          stage: 'retrying',
          error: { code: error.code, message: error.message, retryable: true },
        },
      })
      .then(
        () => true,
        () => false,
      );
    throw error;
  } finally {
    await heartbeat.stop();
  }
}

/** Size limits and the magic bytes: what the source is, before any decoder sees it. */
async function checkSource(deps: ProcessDeps, job: Job): Promise<ReturnType<typeof sniff>> {
  const { bucket, key } = job.source;
  const head = await deps.objects.head(bucket, key);
  if (!head) throw inputError(ErrorCodes.SOURCE_NOT_FOUND, `source object ${key} does not exist`);
  if (head.size === 0) throw inputError(ErrorCodes.EMPTY_OBJECT, 'source object is empty (0 bytes)');
  const detected = sniff(await deps.objects.readRange(bucket, key, 0, SNIFF_BYTES - 1));
  const timeBased = detected.kind === 'video' || detected.kind === 'audio';
  const limit = timeBased && deps.video ? deps.video.maxBytes : deps.maxUploadBytes;
  if (head.size > limit)
    throw inputError(ErrorCodes.OBJECT_TOO_LARGE, `source is ${head.size} bytes, over ${limit}`);
  return detected;
}

/**
 * Hands a video/audio job to its orchestrator: the job records the execution first (so a cancel can stop
 * it) and keeps its claim for as long as an execution may run, so a duplicate upload event finds it in
 * flight instead of starting a second attempt. The execution's tasks write progress and the end state.
 */
async function startTranscode(
  deps: ProcessDeps,
  video: NonNullable<ProcessDeps['video']>,
  job: Job,
): Promise<ProcessOutcome> {
  const now = deps.now ?? Date.now;
  const executionArn = video.orchestrator.executionArnFor(job.jobId, job.attempt);
  let updated: Job;
  try {
    updated = await deps.jobs.transition(job.tenant, job.jobId, 'PROCESSING', {
      attempt: job.attempt,
      from: ['PROCESSING'],
      set: {
        stage: 'transcode-queued',
        executionArn,
        leaseUntil: now() + video.leaseMs,
        sourceMetadata: undefined,
      },
      event: null,
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return { result: 'cancelled-meanwhile', jobId: job.jobId };
    throw error;
  }
  await video.orchestrator.start({ tenant: job.tenant, jobId: job.jobId, attempt: job.attempt });
  return { result: 'transcoding', job: updated, executionArn };
}

async function render(
  deps: ProcessDeps,
  job: Job,
  detected: ReturnType<typeof sniff>,
): Promise<Pick<Job, 'outputs' | 'sourceMetadata' | 'placeholder' | 'hashes' | 'duplicates'>> {
  const { bucket, key } = job.source;
  if (detected.kind === 'playlist') {
    throw inputError(
      ErrorCodes.PLAYLIST_NOT_ALLOWED,
      'content is a text playlist, not media: playlists are never opened (they can point anywhere)',
    );
  }
  if (detected.kind !== 'image') {
    throw inputError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      `content is ${detected.kind === 'unknown' ? 'not a recognised media type' : detected.mime}; expected an image`,
    );
  }
  const report = progressReporter(deps.jobs, job);
  await report('decoding', 10);
  const sha256 = createHash('sha256');
  // The original's SHA-256 is taken from the same single read that feeds the decoder.
  const input = await deps.objects.read(bucket, key, { onChunk: (chunk) => sha256.update(chunk) });
  const specs = resolveOutputs(job.request.outputs).map((spec) => OutputSpec.parse(spec));
  const processed = await processImage(input, specs, {
    ...deps.imageLimits,
    metadataPolicy: job.request.metadataPolicy,
  });
  await report('hashing', 50);
  const hashes = await hashAsset(input, processed, sha256.digest('hex'));
  const duplicates = deps.hashIndex
    ? await findDuplicates(deps.hashIndex, job.tenant, job.jobId, hashes)
    : undefined;
  await report('writing', 60);

  const outputs: OutputRecord[] = [];
  for (const output of processed.outputs) {
    const key = outputKey(job.tenant, job.jobId, output.spec.name, extensionFor(output.spec.format));
    await deps.objects.write(deps.outputsBucket, key, output.data, output.contentType);
    outputs.push({
      name: output.spec.name,
      key,
      format: output.format,
      width: output.width,
      height: output.height,
      bytes: output.data.length,
    });
    const progress = 60 + Math.floor((35 * outputs.length) / processed.outputs.length);
    await report('writing', progress);
  }
  return {
    outputs,
    placeholder: processed.placeholder,
    hashes,
    duplicates,
    sourceMetadata: {
      ...processed.source,
      detectedType: detected.mime,
      declaredType: job.source.contentType,
    },
  };
}

/**
 * Monotonic progress for this attempt, recording a progress event when a 25/50/75 milestone is crossed
 * (this worker holds the claim, so it knows the previous value; a retry starts from the stored one).
 */
function progressReporter(jobs: ProcessDeps['jobs'], job: Job) {
  let last = job.progress;
  return async (stage: string, progress: number) => {
    if (progress <= last) return;
    const milestone = progressMilestone(last, progress);
    last = progress;
    await jobs.reportProgress(job.tenant, job.jobId, job.attempt, stage, progress, { milestone });
  };
}

async function indexCompleted(deps: ProcessDeps, job: Job): Promise<void> {
  if (deps.hashIndex && job.status === 'COMPLETED' && job.hashes) {
    await indexAsset(deps.hashIndex, job.tenant, job.jobId, job.hashes);
  }
}

async function finish(
  deps: ProcessDeps,
  job: Job,
  end: { status: 'COMPLETED' | 'FAILED'; set: Partial<Job>; error?: PipelineError },
): Promise<ProcessOutcome> {
  try {
    const updated = await deps.jobs.transition(job.tenant, job.jobId, end.status, {
      attempt: job.attempt,
      set: end.set,
    });
    return end.status === 'COMPLETED'
      ? { result: 'completed', job: updated }
      : { result: 'failed', job: updated, error: end.error as PipelineError };
  } catch (error) {
    // Cancelled (or taken over) while we worked: the conditional write rejects the late result.
    if (error instanceof ConditionFailedError) return { result: 'cancelled-meanwhile', jobId: job.jobId };
    throw error;
  }
}
