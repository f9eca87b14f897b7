import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, retryableError } from '../../core/errors.js';
import {
  buildFfmpegJobs,
  directoriesFor,
  type FfmpegJob,
  hlsArgs,
  inputArgs,
  videoGraph,
} from './ffmpeg-args.js';
import {
  checkComplete,
  describeOutputs,
  dropAudioOnlyVariants,
  promote,
  readPlaylist,
  type TranscodedOutput,
} from './outputs.js';
import type { TranscodePlan } from './plan.js';
import { ProgressParser, type ProgressSnapshot } from './progress.js';
import { type FinishedSegment, watchFinishedSegments } from './segment-watch.js';
import { writeSpriteVtts } from './sprite-vtt.js';
import { ffmpegPath, runTool, toolFailure } from './tools.js';

export type { TranscodedOutput } from './outputs.js';

export interface TranscodeProgress extends ProgressSnapshot {
  stage: FfmpegJob['stage'];
}

export interface TranscodeOptions {
  onProgress?: (progress: TranscodeProgress) => void;
  signal?: AbortSignal;
  /** Budget for all ffmpeg runs together. Default: 2 minutes plus 10x the source duration. */
  timeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace on abort/timeout. */
  killGraceMs?: number;
  /**
   * Called while ffmpeg still runs, for each HLS/DASH segment it has finished (see watchFinishedSegments),
   * so a caller can upload segments during the encode. The file is still in the work folder and moves to
   * `outDir` under the same relative path once the run succeeds.
   */
  onSegmentFinished?: (segment: FinishedSegment) => void;
  /** How often the work folder is looked at for finished segments. Default 250 ms. */
  segmentPollMs?: number;
}

export interface TranscodeResult {
  outputs: TranscodedOutput[];
  /** Every file written, relative to the output directory ('/'-separated): what an uploader copies. */
  files: string[];
  /** Wall time the ffmpeg processes ran, in ms: what the rest of a run is measured against. */
  ffmpegMs: number;
}

/** Work folders are created inside outDir so the final rename never crosses file systems. */
export const WORK_DIR_PREFIX = '.transcode-';

/**
 * Runs a plan: the encode command (one decode for every rendition), then the stills command. ffmpeg
 * writes into a private work folder; only after every command succeeded and the outputs were measured
 * are they moved into `outDir`. Abort, timeout and failure all remove the work folder, so `outDir`
 * only ever holds complete outputs. (A SIGKILLed worker can leave a `.transcode-*` folder behind:
 * callers use a fresh outDir per attempt, or clear those.)
 */
export async function transcode(
  inputPath: string,
  plan: TranscodePlan,
  outDir: string,
  options: TranscodeOptions = {},
): Promise<TranscodeResult> {
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(outDir, WORK_DIR_PREFIX));
  try {
    for (const dir of directoriesFor(plan)) await mkdir(join(workDir, dir), { recursive: true });
    const jobs = buildFfmpegJobs(plan, inputPath, workDir);
    let ffmpegMs = 0;
    const watcher = options.onSegmentFinished
      ? watchFinishedSegments(workDir, options.onSegmentFinished, { intervalMs: options.segmentPollMs })
      : undefined;
    try {
      // Once the encode has exited, its last segments are final too: they go while the stills pass runs.
      ffmpegMs = await runJobs(jobs, plan, options, () => watcher?.stop({ writerExited: true }));
    } finally {
      await watcher?.stop();
    }
    await dropAudioOnlyVariants(plan, workDir);
    await writeSpriteVtts(plan, workDir);
    const outputs = await describeOutputs(plan, workDir);
    checkComplete(plan, outputs);
    options.signal?.throwIfAborted();
    const files = await promote(
      workDir,
      outDir,
      plan.outputs.map((output) => output.path),
    );
    options.onProgress?.({
      stage: jobs.at(-1)?.stage ?? 'encode',
      outTimeSeconds: plan.source.durationSeconds,
      percent: 100,
      etaSeconds: 0,
      done: true,
    });
    return { outputs, files, ffmpegMs };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export const defaultTimeoutMs = (plan: TranscodePlan) => 120_000 + plan.source.durationSeconds * 10_000;

/**
 * Runs the commands in order. Overall progress weights the encode 9:1 against the stills pass (a
 * seek and one cheap decode) and stays below 100 until the outputs are in place; the ETA is that of
 * the running command, from ffmpeg's speed.
 */
async function runJobs(
  jobs: readonly FfmpegJob[],
  plan: TranscodePlan,
  options: TranscodeOptions,
  afterEncode: () => Promise<void> | undefined,
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs(plan));
  const weights = jobs.map((job) => (job.stage === 'encode' ? 9 : 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  let completed = 0;
  let reported = 0;
  let ffmpegMs = 0;
  for (const [i, job] of jobs.entries()) {
    const parser = new ProgressParser(job.mediaSeconds);
    const weight = weights[i] ?? 1;
    const started = performance.now();
    await runFfmpeg(job.args, deadline, options, (chunk) => {
      for (const snapshot of parser.push(chunk)) {
        reported = Math.max(reported, ((completed + (weight * snapshot.percent) / 100) / total) * 100);
        const percent = Math.min(99, Math.round(reported * 10) / 10);
        options.onProgress?.({ ...snapshot, stage: job.stage, percent, done: false });
      }
    });
    ffmpegMs += performance.now() - started;
    completed += weight;
    if (job.stage === 'encode') await afterEncode();
  }
  return ffmpegMs;
}

async function runFfmpeg(
  args: string[],
  deadline: number,
  options: TranscodeOptions,
  onStdout?: (chunk: string) => void,
): Promise<void> {
  const remaining = deadline - Date.now();
  if (remaining <= 0)
    throw retryableError(ErrorCodes.RESOURCE_EXHAUSTED, 'transcode exceeded its time budget');
  const binary = ffmpegPath();
  const result = await runTool(binary, args, {
    signal: options.signal,
    timeoutMs: remaining,
    killGraceMs: options.killGraceMs,
    onStdout,
  });
  if (result.exitCode !== 0) throw toolFailure(binary, result);
}

export interface RungEncode {
  rendition: string;
  elapsedMs: number;
  /** The rung's media playlist, relative to outDir. */
  path: string;
  bytes: number;
}

/**
 * For the one-decode benchmark: encodes each rung of the plan's first HLS output in its own ffmpeg
 * process (its own decode, fps conversion and scale), one after another, with the same encoder
 * settings as `transcode`. Audio is encoded once, with the first rung, so both variants do the same
 * encoding work and differ only in decoding. Writes `<name>/<rung>/` into outDir (no master playlist).
 */
export async function separateRungEncodes(
  inputPath: string,
  plan: TranscodePlan,
  outDir: string,
  options: Omit<TranscodeOptions, 'onProgress'> = {},
): Promise<RungEncode[]> {
  const ladder = plan.outputs.find((output) => output.kind === 'hls');
  if (ladder?.kind !== 'hls') throw new Error('separateRungEncodes needs a plan with an hls output');
  await mkdir(outDir, { recursive: true });
  const workDir = await mkdtemp(join(outDir, WORK_DIR_PREFIX));
  const deadline = Date.now() + (options.timeoutMs ?? ladder.rungs.length * defaultTimeoutMs(plan));
  try {
    const results: RungEncode[] = [];
    for (const [i, rung] of ladder.rungs.entries()) {
      const withAudio = i === 0 && ladder.audio !== undefined;
      const dir = join(workDir, ladder.path);
      await mkdir(join(dir, rung.name), { recursive: true });
      if (withAudio) await mkdir(join(dir, 'audio'), { recursive: true });
      const args = [
        ...['-nostdin', '-hide_banner', '-v', 'error', '-nostats', '-y'],
        ...inputArgs(plan, inputPath),
        ...['-filter_complex', videoGraph(plan, [rung])],
        ...hlsArgs(plan, ladder, [rung], ['[v0]'], dir, withAudio),
      ];
      const started = Date.now();
      await runFfmpeg(args, deadline, options);
      // Each single-rung run rewrites the master playlist with only its rung: it means nothing here.
      await rm(join(dir, 'master.m3u8'), { force: true });
      const path = `${ladder.path}/${rung.name}/index.m3u8`;
      const { bytes } = await readPlaylist(join(workDir, path));
      results.push({ rendition: rung.name, elapsedMs: Date.now() - started, path, bytes });
    }
    await promote(workDir, outDir, [ladder.path]);
    return results;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
