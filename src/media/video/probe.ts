import { resolve } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, inputError } from '../../core/errors.js';
import { checkMediaHead, readHead } from './input-guard.js';
import { ffprobePath, type RunOptions, runTool, toolFailure } from './tools.js';

/**
 * Demuxers we accept, keyed by ffprobe's format_name, mapped to the name passed to `-f` later. The
 * transcode forces this demuxer, so a file is never re-detected as something else between probe and
 * encode, and the name on the command line always comes from this table, never from user text.
 */
export const ALLOWED_DEMUXERS = {
  'mov,mp4,m4a,3gp,3g2,mj2': 'mov',
  'matroska,webm': 'matroska',
  avi: 'avi',
  mpegts: 'mpegts',
  flv: 'flv',
  ogg: 'ogg',
  wav: 'wav',
  mp3: 'mp3',
  aac: 'aac',
  flac: 'flac',
} as const;
export type Demuxer = (typeof ALLOWED_DEMUXERS)[keyof typeof ALLOWED_DEMUXERS];

/** For `-format_whitelist`: libavformat refuses any other demuxer before it reads a header. */
export const DEMUXER_WHITELIST = [...new Set(Object.values(ALLOWED_DEMUXERS))].join(',');

/** Only local files and pipes: no http, tcp, udp, rtp, crypto, concat, data... */
export const PROTOCOL_WHITELIST = 'file,pipe';

export interface VideoLimits {
  maxDurationSeconds: number;
  /** Width and height limits apply to the longer and shorter side, so a portrait clip is not refused. */
  maxWidth: number;
  maxHeight: number;
  maxPixels: number;
  maxFps: number;
  maxStreams: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxDurationSeconds: 4 * 3600,
  maxWidth: 7680,
  maxHeight: 4320,
  maxPixels: 7680 * 4320,
  maxFps: 240,
  maxStreams: 16,
};

export interface VideoStreamInfo {
  /** Absolute stream index, for `-map 0:<index>`. */
  index: number;
  codec: string;
  /** Coded size. */
  width: number;
  height: number;
  /** Clockwise degrees a player turns the picture (display matrix / rotate tag). */
  rotation: 0 | 90 | 180 | 270;
  /** Size as shown: sample aspect ratio applied, then rotation. */
  displayWidth: number;
  displayHeight: number;
  avgFrameRate?: number;
  rFrameRate?: number;
  pixFmt?: string;
  bitDepth: number;
  /** avg_frame_rate differs from r_frame_rate: timestamps are not evenly spaced. */
  variableFrameRate: boolean;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
}

export interface MediaProbe {
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  formatName: string;
  demuxer: Demuxer;
  durationSeconds: number;
  sizeBytes: number;
  /** The main picture; cover art (attached pictures) does not count. */
  video?: VideoStreamInfo;
  audio: AudioStreamInfo[];
  streams: { total: number; video: number; audio: number; subtitle: number; other: number };
}

export interface ProbeOptions extends Pick<RunOptions, 'signal'> {
  timeoutMs?: number;
}

const Rotation = z.coerce.number();
const FfprobeStream = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  pix_fmt: z.string().optional(),
  bits_per_raw_sample: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  channels: z.number().optional(),
  sample_rate: z.string().optional(),
  duration: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
  tags: z.object({ rotate: z.string().optional() }).optional(),
  side_data_list: z
    .array(z.object({ side_data_type: z.string().optional(), rotation: Rotation.optional() }))
    .optional(),
});
type FfprobeStream = z.infer<typeof FfprobeStream>;
const FfprobeOutput = z.object({
  streams: z.array(FfprobeStream).default([]),
  format: z.object({ format_name: z.string(), duration: z.string().optional(), size: z.string().optional() }),
});
export type FfprobeOutput = z.infer<typeof FfprobeOutput>;

const PROBE_TIMEOUT_MS = 30_000;
const MAX_PROBE_JSON_CHARS = 4_000_000;

/**
 * Probes an untrusted local file: refuses text and empty files by their bytes, then runs ffprobe
 * restricted to local files and the allowed demuxers, then applies the limits.
 */
export async function probeMedia(
  path: string,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
  options: ProbeOptions = {},
): Promise<MediaProbe> {
  const { head, size } = await readHead(path);
  checkMediaHead(head, size);
  const raw = await runFfprobe(path, options);
  const summary = summarize(raw, size);
  enforceLimits(summary, limits);
  return summary;
}

/** ffprobe's format and streams as JSON. Call `probeMedia` for untrusted input: this skips the byte check. */
export async function runFfprobe(path: string, options: ProbeOptions = {}): Promise<FfprobeOutput> {
  const binary = ffprobePath();
  const args = [
    ...['-v', 'error', '-hide_banner'],
    ...['-protocol_whitelist', PROTOCOL_WHITELIST, '-format_whitelist', DEMUXER_WHITELIST],
    ...['-show_format', '-show_streams', '-of', 'json'],
    `file:${resolve(path)}`,
  ];
  const result = await runTool(binary, args, {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS,
    collectStdout: MAX_PROBE_JSON_CHARS,
  });
  if (result.exitCode !== 0) throw toolFailure(binary, result);
  const parsed = FfprobeOutput.safeParse(JSON.parse(result.stdout || '{}'));
  if (!parsed.success) {
    throw inputError(ErrorCodes.CORRUPT_MEDIA, 'media could not be read: ffprobe found no container');
  }
  return parsed.data;
}

export function summarize(raw: FfprobeOutput, sizeBytes: number): MediaProbe {
  const formatName = raw.format.format_name;
  const demuxer = (ALLOWED_DEMUXERS as Record<string, Demuxer>)[formatName];
  if (!demuxer) throw inputError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `container ${formatName} is not allowed`);
  const isPicture = (s: FfprobeStream) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1;
  const videoStream = raw.streams.find((s) => isPicture(s) && s.width && s.height);
  const audioStreams = raw.streams.filter((s) => s.codec_type === 'audio');
  if (!videoStream && audioStreams.length === 0) {
    throw inputError(ErrorCodes.NOT_MEDIA, `the ${formatName} container holds no audio or video stream`);
  }
  const durations = [raw.format.duration, ...raw.streams.map((s) => s.duration)].map(toNumber);
  const durationSeconds =
    durations[0] ?? Math.max(0, ...durations.filter((d): d is number => d !== undefined));
  if (!(durationSeconds > 0)) {
    throw inputError(ErrorCodes.CORRUPT_MEDIA, 'media could not be read: its duration is unknown or zero');
  }
  const count = (type: string) => raw.streams.filter((s) => s.codec_type === type).length;
  const video = count('video');
  const audio = count('audio');
  const subtitle = count('subtitle');
  return {
    formatName,
    demuxer,
    durationSeconds,
    sizeBytes,
    video: videoStream ? describeVideo(videoStream) : undefined,
    audio: audioStreams.map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      channels: s.channels ?? 0,
      sampleRate: toNumber(s.sample_rate) ?? 0,
    })),
    streams: {
      total: raw.streams.length,
      video,
      audio,
      subtitle,
      other: raw.streams.length - video - audio - subtitle,
    },
  };
}

function describeVideo(stream: FfprobeStream): VideoStreamInfo {
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  const rotation = rotationOf(stream);
  // Anamorphic sources: the display width is the coded width times the sample aspect ratio.
  const sar = parseRatio(stream.sample_aspect_ratio, ':');
  const shownWidth = sar && sar > 0 ? Math.round(width * sar) : width;
  const quarterTurn = rotation === 90 || rotation === 270;
  const avgFrameRate = parseRatio(stream.avg_frame_rate, '/');
  const rFrameRate = parseRatio(stream.r_frame_rate, '/');
  return {
    index: stream.index,
    codec: stream.codec_name ?? 'unknown',
    width,
    height,
    rotation,
    displayWidth: quarterTurn ? height : shownWidth,
    displayHeight: quarterTurn ? shownWidth : height,
    avgFrameRate,
    rFrameRate,
    pixFmt: stream.pix_fmt,
    bitDepth: toNumber(stream.bits_per_raw_sample) ?? bitDepthOf(stream.pix_fmt),
    variableFrameRate:
      avgFrameRate !== undefined &&
      rFrameRate !== undefined &&
      Math.abs(avgFrameRate - rFrameRate) > 0.01 * rFrameRate,
  };
}

/**
 * Clockwise display rotation. ffprobe reports the display matrix rotation counter-clockwise (a phone's
 * portrait clip shows -90); the legacy `rotate` tag is clockwise.
 */
function rotationOf(stream: FfprobeStream): VideoStreamInfo['rotation'] {
  const matrix = stream.side_data_list?.find(
    (d) => d.side_data_type === 'Display Matrix' && d.rotation !== undefined,
  );
  const clockwise = matrix?.rotation !== undefined ? -matrix.rotation : (toNumber(stream.tags?.rotate) ?? 0);
  const quarter = ((Math.round(clockwise / 90) % 4) + 4) % 4;
  return ([0, 90, 180, 270] as const)[quarter] ?? 0;
}

function enforceLimits(probe: MediaProbe, limits: VideoLimits): void {
  const refuse = (what: string) => {
    throw inputError(ErrorCodes.MEDIA_LIMIT_EXCEEDED, what);
  };
  if (probe.streams.total > limits.maxStreams) {
    refuse(`${probe.streams.total} streams; at most ${limits.maxStreams} are allowed`);
  }
  if (probe.durationSeconds > limits.maxDurationSeconds) {
    refuse(
      `duration ${probe.durationSeconds.toFixed(1)} s exceeds the limit of ${limits.maxDurationSeconds} s`,
    );
  }
  const video = probe.video;
  if (!video) return;
  const longer = Math.max(video.displayWidth, video.displayHeight);
  const shorter = Math.min(video.displayWidth, video.displayHeight);
  if (
    longer > Math.max(limits.maxWidth, limits.maxHeight) ||
    shorter > Math.min(limits.maxWidth, limits.maxHeight)
  ) {
    refuse(
      `${video.displayWidth}x${video.displayHeight} exceeds the limit of ${limits.maxWidth}x${limits.maxHeight}`,
    );
  }
  if (video.width * video.height > limits.maxPixels) {
    refuse(`${video.width}x${video.height} has more than ${limits.maxPixels} pixels`);
  }
  // avg_frame_rate: r_frame_rate of variable-rate files can be a timebase-derived 1000 fps.
  const fps = video.avgFrameRate ?? video.rFrameRate;
  if (fps !== undefined && fps > limits.maxFps)
    refuse(`${fps.toFixed(2)} fps exceeds the limit of ${limits.maxFps}`);
}

export function parseRatio(value: string | undefined, separator: '/' | ':'): number | undefined {
  if (!value) return undefined;
  const [num, den] = value.split(separator).map(Number);
  if (num === undefined || den === undefined || !Number.isFinite(num) || !Number.isFinite(den))
    return undefined;
  return num > 0 && den > 0 ? num / den : undefined;
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === 'N/A') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** yuv420p10le -> 10; formats without a depth suffix are 8 bits. */
function bitDepthOf(pixFmt: string | undefined): number {
  const match = pixFmt?.match(/p(\d{1,2})(le|be)?$/);
  return match ? Number(match[1]) : 8;
}
