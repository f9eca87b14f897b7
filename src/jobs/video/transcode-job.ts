import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ErrorCodes, inputError, PipelineError } from '../../core/errors.js';
import { progressMilestone } from '../../core/events.js';
import type { OutputRecord, SourceMetadata } from '../../core/job.js';
import { jobOutputsPrefix, videoOutputKey } from '../../core/keys.js';
import type { JobStore, ObjectStore } from '../../core/ports.js';
import {
  type MediaProbe,
  planOutputs,
  probeMedia,
  type TranscodedOutput,
  transcode,
  type VideoLimits,
  VideoRequest,
} from '../../media/video/index.js';
import { outputUploader } from './transcode-uploads.js';

/** What the transcoder task leaves for the state machine's finalize step (one document per attempt). */
export type TranscodeResultDocument =
  | { status: 'COMPLETED'; attempt: number; outputs: OutputRecord[]; sourceMetadata: SourceMetadata }
  | { status: 'FAILED'; attempt: number; error: { code: string; message: string } }
  /** The job moved on (cancelled, or a newer attempt owns it): nothing was done. */
  | { status: 'SUPERSEDED'; attempt: number; reason: string };

export interface TranscodeJobDeps {
  jobs: JobStore;
  objects: ObjectStore;
  outputsBucket: string;
  limits: VideoLimits;
  /** Sources over this size are refused before downloading (OBJECT_TOO_LARGE). */
  maxSourceBytes: number;
  /** Scratch space (the task's ephemeral storage); one private folder per run, removed on every path. */
  workRoot: string;
  /** Aborted on SIGTERM (StopTask, cancel): ffmpeg is killed and the scratch folder removed. */
  signal?: AbortSignal;
  /** Fewest milliseconds between two progress writes (milestones are always written). Default 2 s. */
  progressIntervalMs?: number;
  /** Parallel uploads. Default 4. */
  uploadConcurrency?: number;
  /** How often finished segments are looked for during the encode (they upload meanwhile). Default 250 ms. */
  segmentPollMs?: number;
  now?: () => number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

/** Progress bands of one run: download and probe are quick, ffmpeg is most of it, then the uploads. */
const BAND = { downloaded: 3, probed: 5, transcoded: 90, uploaded: 99 } as const;

/**
 * The Fargate task's work for one job attempt: download the source, probe it against the stage's limits,
 * plan the outputs from the job's request, run ffmpeg with monotonic progress (and an ETA) written to the
 * job, upload every file. Input problems (not media, over a limit, a playlist) come back as a FAILED
 * document; anything else throws, so the task exits non-zero and the state machine retries it.
 */
export async function runTranscodeJob(
  deps: TranscodeJobDeps,
  target: { tenant: string; jobId: string; attempt: number },
): Promise<TranscodeResultDocument> {
  const { tenant, jobId, attempt } = target;
  const job = await deps.jobs.get(tenant, jobId);
  if (job?.status !== 'PROCESSING' || job.attempt !== attempt)
    return {
      status: 'SUPERSEDED',
      attempt,
      reason: job ? `job is ${job.status} at attempt ${job.attempt}` : 'job not found',
    };

  await mkdir(deps.workRoot, { recursive: true });
  await removeStaleScratch(deps.workRoot, jobId);
  const workDir = await mkdtemp(join(deps.workRoot, `transcode-${jobId}-`));
  const progress = progressWriter(deps, target, job.progress);
  const outDir = join(workDir, 'out');
  const uploads = outputUploader(deps, target, outDir);
  try {
    const request = VideoRequest.safeParse(job.request.video ?? { preset: 'web' });
    if (!request.success)
      throw inputError(ErrorCodes.INVALID_REQUEST, `video request: ${request.error.issues[0]?.message}`);

    const { bucket, key } = job.source;
    const head = await deps.objects.head(bucket, key);
    if (!head) throw inputError(ErrorCodes.SOURCE_NOT_FOUND, `source object ${key} does not exist`);
    if (head.size > deps.maxSourceBytes)
      throw inputError(
        ErrorCodes.OBJECT_TOO_LARGE,
        `source is ${head.size} bytes, over ${deps.maxSourceBytes}`,
      );
    progress.report('downloading', 1);
    // No extension: ffprobe must choose the demuxer from the bytes (and the allowlist), never from a name.
    const sourcePath = join(workDir, 'source');
    await deps.objects.download(bucket, key, sourcePath, { signal: deps.signal });
    progress.report('probing', BAND.downloaded);

    const probe = await probeMedia(sourcePath, deps.limits, { signal: deps.signal });
    const plan = planOutputs(probe, request.data);
    progress.report('transcoding', BAND.probed);

    const result = await transcode(sourcePath, plan, outDir, {
      signal: deps.signal,
      onSegmentFinished: (segment) => uploads.early(segment),
      segmentPollMs: deps.segmentPollMs,
      onProgress: (p) =>
        progress.report(
          'transcoding',
          BAND.probed + ((BAND.transcoded - BAND.probed) * p.percent) / 100,
          p.etaSeconds,
        ),
    });
    progress.report('uploading', BAND.transcoded);
    await uploads.finish(outDir, result.files, (done) =>
      progress.report(
        'uploading',
        BAND.transcoded + ((BAND.uploaded - BAND.transcoded) * done) / result.files.length,
      ),
    );
    deps.log?.('outputs uploaded', { ...uploads.counts, ffmpegMs: Math.round(result.ffmpegMs) });
    await progress.flush();
    return {
      status: 'COMPLETED',
      attempt,
      outputs: result.outputs.map((output) => outputRecord(tenant, jobId, output)),
      sourceMetadata: sourceMetadata(probe, job.source.contentType),
    };
  } catch (error) {
    await uploads.stop();
    if (uploads.wrote) await removeUploads(deps, target);
    await progress.flush();
    if (error instanceof PipelineError && error.kind === 'input')
      return { status: 'FAILED', attempt, error: { code: error.code, message: error.message } };
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * A run that fails or is stopped after segments went up early leaves none of them behind (a retry uploads
 * again), unless the job meanwhile completed or moved on to another attempt, whose files these may be.
 */
export async function removeUploads(
  deps: Pick<TranscodeJobDeps, 'jobs' | 'objects' | 'outputsBucket' | 'log'>,
  target: { tenant: string; jobId: string; attempt: number },
): Promise<void> {
  // A few tries: after a cancel nothing else deletes what this run sent once the execution has stopped.
  for (let tryNumber = 1; tryNumber <= 3; tryNumber++) {
    try {
      const job = await deps.jobs.get(target.tenant, target.jobId);
      if (job && job.attempt === target.attempt && job.status !== 'COMPLETED')
        await deps.objects.deletePrefix(deps.outputsBucket, jobOutputsPrefix(target.tenant, target.jobId));
      return;
    } catch (error) {
      deps.log?.('could not remove partial outputs', { error: String(error), tryNumber });
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** tryNumber));
    }
  }
}

/**
 * A killed run of the same job on this machine (locally; on Fargate each task has its own storage) leaves
 * its folder behind: runs of one job never overlap (the next starts after the last one died), so it goes.
 */
async function removeStaleScratch(workRoot: string, jobId: string): Promise<void> {
  const stale = (await readdir(workRoot)).filter((name) => name.startsWith(`transcode-${jobId}-`));
  await Promise.all(stale.map((name) => rm(join(workRoot, name), { recursive: true, force: true })));
}

/**
 * Progress writes in order, at most one per interval (a milestone crossing always goes through). A write
 * that loses its condition (the job was cancelled or taken over) aborts nothing here: the finalize step's
 * conditional write is what rejects a late result.
 */
function progressWriter(
  deps: TranscodeJobDeps,
  target: { tenant: string; jobId: string; attempt: number },
  start: number,
) {
  const now = deps.now ?? Date.now;
  const interval = deps.progressIntervalMs ?? 2000;
  let last = start;
  let lastAt = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    report(stage: string, value: number, etaSeconds?: number) {
      const progress = Math.min(99, Math.floor(value));
      if (progress <= last) return;
      const milestone = progressMilestone(last, progress);
      if (milestone === undefined && now() - lastAt < interval) return;
      last = progress;
      lastAt = now();
      chain = chain.then(() =>
        deps.jobs
          .reportProgress(target.tenant, target.jobId, target.attempt, stage, progress, {
            milestone,
            etaSeconds,
          })
          .catch((error: unknown) => deps.log?.('progress write failed', { error: String(error) })),
      );
    },
    flush: () => chain,
  };
}

function outputRecord(tenant: string, jobId: string, output: TranscodedOutput): OutputRecord {
  return {
    name: output.name,
    kind: output.kind,
    key: videoOutputKey(tenant, jobId, output.path),
    format: extname(output.path).slice(1) || output.kind,
    ...(output.rendition ? { rendition: output.rendition } : {}),
    ...(output.codec ? { codec: output.codec } : {}),
    ...(output.width ? { width: output.width, height: output.height } : {}),
    ...(output.durationSeconds !== undefined ? { durationSeconds: output.durationSeconds } : {}),
    bytes: output.bytes,
  };
}

function sourceMetadata(probe: MediaProbe, declaredType: string | undefined): SourceMetadata {
  return {
    format: probe.demuxer,
    width: probe.video?.displayWidth ?? 0,
    height: probe.video?.displayHeight ?? 0,
    bytes: probe.sizeBytes,
    durationSeconds: probe.durationSeconds,
    ...(probe.video
      ? {
          videoCodec: probe.video.codec,
          rotation: probe.video.rotation,
          frameRate: probe.video.avgFrameRate,
          variableFrameRate: probe.video.variableFrameRate,
        }
      : {}),
    ...(probe.audio[0] ? { audioCodec: probe.audio[0].codec, audioChannels: probe.audio[0].channels } : {}),
    declaredType,
  };
}
