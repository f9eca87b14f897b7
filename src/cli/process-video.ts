import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, inputError, toPipelineError } from '../core/errors.js';
import { sniff } from '../media/sniff.js';
import {
  DEFAULT_VIDEO_LIMITS,
  planOutputs,
  probeMedia,
  transcode,
  VIDEO_PRESETS,
  type VideoLimits,
} from '../media/video/index.js';
import { namedLikeVideoOrAudio } from './content-types.js';

/**
 * Whether a file goes down the video path: its bytes say video or audio, or it is named like one (a text
 * playlist named `.mp4` must meet the video input guard, which refuses it, not the image decoder).
 */
export async function isVideoOrAudio(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    const kind = sniff(head.subarray(0, bytesRead)).kind;
    if (kind === 'video' || kind === 'audio') return true;
    if (kind === 'image' || kind === 'svg') return false;
    return namedLikeVideoOrAudio(file);
  } finally {
    await handle.close();
  }
}

export interface VideoResultFile {
  input: string;
  status: 'COMPLETED' | 'FAILED';
  source?: unknown;
  outputs?: {
    name: string;
    kind: string;
    file: string;
    rendition?: string;
    codec?: string;
    width?: number;
    height?: number;
    durationSeconds?: number;
    bytes: number;
  }[];
  error?: { code: string; message: string; retryable: boolean };
}

/**
 * The transcoder's probe → plan → transcode on one local file: outputs under `<out>/<name>/`, the same
 * code the Fargate task runs (src/media/video). Presets: mobile, web (default), hls.
 */
export async function processVideoFile(
  file: string,
  name: string,
  options: { preset?: string; out: string; limits?: VideoLimits; onProgress?: (percent: number) => void },
): Promise<VideoResultFile> {
  try {
    const preset = options.preset ?? 'web';
    if (!Object.hasOwn(VIDEO_PRESETS, preset)) {
      throw inputError(
        ErrorCodes.INVALID_REQUEST,
        `video and audio take --preset mobile, web or hls (got ${preset})`,
      );
    }
    const probe = await probeMedia(file, options.limits ?? DEFAULT_VIDEO_LIMITS);
    const plan = planOutputs(probe, { preset: preset as 'mobile' | 'web' | 'hls' });
    const result = await transcode(file, plan, join(options.out, name), {
      onProgress: (progress) => options.onProgress?.(progress.percent),
    });
    return {
      input: file,
      status: 'COMPLETED',
      source: probe,
      outputs: result.outputs.map((output) => ({
        name: output.name,
        kind: output.kind,
        file: `${name}/${output.path}`,
        rendition: output.rendition,
        codec: output.codec,
        width: output.width,
        height: output.height,
        durationSeconds: output.durationSeconds,
        bytes: output.bytes,
      })),
    };
  } catch (caught) {
    const error = toPipelineError(caught);
    return {
      input: file,
      status: 'FAILED',
      error: { code: error.code, message: error.message, retryable: error.retryable },
    };
  }
}
