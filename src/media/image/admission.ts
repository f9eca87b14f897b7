import { ErrorCodes, inputError } from '../../core/errors.js';

/**
 * Admission by cost: what a job will take in memory, estimated from the header alone (no pixel decoded),
 * so an image that cannot fit the worker is refused with IMAGE_TOO_LARGE and the estimate, instead of
 * running the function out of memory (and, locally, stalling the whole stack while it tries).
 *
 * The model, from peak RSS measured over the worker's whole path (one decode, the web preset's outputs,
 * then the full-resolution decode and the hashes; docs/images.md "Admission by cost"):
 *   peak ≈ FIXED + pixels × (HASH_BYTES_PER_PIXEL + channels × bytes per sample)
 *          + frames × decoded frame pixels × 4   (animations kept animated decode every frame)
 * 8-bit RGB measured 13–14 B/px over 4–100 Mpx (a 10000×10000 PNG peaked 1,376 MB over its baseline).
 */
export const FIXED_BYTES = 80 * 1024 * 1024;
/** The hashes' full-resolution float luma and grey planes, per source pixel. */
export const HASH_BYTES_PER_PIXEL = 11;
/** Frames an animation may have (each is decoded when an output keeps the animation). */
export const DEFAULT_MAX_FRAMES = 1_000;

export interface HeaderCost {
  width: number;
  height: number;
  channels: number;
  /** libvips band format: uchar, ushort, float… */
  depth?: string;
  frames: number;
}

const BYTES_PER_SAMPLE: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  double: 8,
};

/** Estimated peak bytes for the job: see the model above. */
export function estimateJobBytes(header: HeaderCost, decodedFramePixels: number, animated: boolean): number {
  const pixels = header.width * header.height;
  const sample = BYTES_PER_SAMPLE[header.depth ?? 'uchar'] ?? 4;
  const frames = animated ? header.frames * decodedFramePixels * 4 : 0;
  return FIXED_BYTES + pixels * (HASH_BYTES_PER_PIXEL + header.channels * sample) + frames;
}

/** What a worker holds before any job (runtime, SDK, sharp): the rest of its memory is a job's budget. */
export const WORKER_BASELINE_MB = 160;

/** A job's memory budget in a worker of `memoryMb` (its MemorySize). */
export const jobMemoryBudgetBytes = (memoryMb: number) => (memoryMb - WORKER_BASELINE_MB) * 1024 * 1024;

export interface AdmissionLimits {
  /** Bytes the job may use (the worker's memory less its own baseline); undefined: not checked. */
  memoryBudgetBytes?: number;
  /** Frames an animation may have; default 1,000. */
  maxFrames?: number;
}

const mib = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MiB`;

/** Refuses, before any pixel is decoded, what is over the frame limit or would not fit the memory budget. */
export function admitImage(
  header: HeaderCost,
  decodedFramePixels: number,
  animated: boolean,
  limits: AdmissionLimits,
): { estimatedBytes: number } {
  const maxFrames = limits.maxFrames ?? DEFAULT_MAX_FRAMES;
  if (header.frames > maxFrames) {
    throw inputError(
      ErrorCodes.IMAGE_TOO_LARGE,
      `animation has ${header.frames} frames, over the limit of ${maxFrames}`,
    );
  }
  const estimatedBytes = estimateJobBytes(header, decodedFramePixels, animated);
  if (limits.memoryBudgetBytes !== undefined && estimatedBytes > limits.memoryBudgetBytes) {
    throw inputError(
      ErrorCodes.IMAGE_TOO_LARGE,
      `image is ${header.width}x${header.height}${header.frames > 1 ? ` x ${header.frames} frames` : ''}: ` +
        `it needs about ${mib(estimatedBytes)} to process, over the worker's ${mib(limits.memoryBudgetBytes)}`,
    );
  }
  return { estimatedBytes };
}
