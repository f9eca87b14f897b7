/**
 * The video core the Fargate transcoder entry and the CLI call: probe (with limits), plan, transcode.
 * No AWS SDK here: callers download the source, hand over a local path and upload `result.files`.
 */
export { buildFfmpegJobs, type FfmpegJob } from './ffmpeg-args.js';
export { type Rational, targetFrameRate } from './frame-rate.js';
export { DEFAULT_LADDER, type Size } from './ladder.js';
export type { TranscodedOutput } from './outputs.js';
export {
  type PlannedOutput,
  planOutputs,
  type Rung,
  type TranscodePlan,
  VIDEO_PRESETS,
  VideoOutputSpec,
  type VideoPresetName,
  VideoRequest,
} from './plan.js';
export {
  ALLOWED_DEMUXERS,
  type AudioStreamInfo,
  DEFAULT_VIDEO_LIMITS,
  type Demuxer,
  type MediaProbe,
  probeMedia,
  type VideoLimits,
  type VideoStreamInfo,
} from './probe.js';
export { ProgressParser, type ProgressSnapshot } from './progress.js';
export {
  type RungEncode,
  separateRungEncodes,
  type TranscodeOptions,
  type TranscodeProgress,
  type TranscodeResult,
  transcode,
} from './transcode.js';
