import { z } from 'zod';
import { ErrorCodes, inputError } from '../../core/errors.js';
import { type Rational, targetFrameRate } from './frame-rate.js';
import {
  chooseRungs,
  DEFAULT_LADDER,
  fitBox,
  type Size,
  scaleToShortSide,
  videoBitrateKbps,
} from './ladder.js';
import type { Demuxer, MediaProbe } from './probe.js';

/**
 * Output specs and presets. Sizes are given as the "p" number (the shorter side), so `maxHeight: 720`
 * means 1280x720 for a landscape clip and 720x1280 for a portrait one. Nothing is ever upscaled.
 */
const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/, 'letters, digits, - and _ only');
const ShortSide = z.number().int().min(64).max(4320);
const X264Preset = z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow']);
const AudioKbps = z.number().int().min(32).max(320);

const LadderFields = {
  /** Rungs as "p" numbers; default 1080/720/480/360. Rungs above the source are dropped. */
  ladder: z.array(ShortSide).min(1).max(6).optional(),
  maxHeight: ShortSide.default(1080),
  segmentSeconds: z.number().int().min(1).max(10).default(4),
  preset: X264Preset.default('veryfast'),
  audioBitrateKbps: AudioKbps.default(128),
};

export const VideoOutputSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('mp4'),
    name: Name.default('video'),
    maxHeight: ShortSide.default(1080),
    crf: z.number().int().min(14).max(40).default(23),
    preset: X264Preset.default('veryfast'),
    audioBitrateKbps: AudioKbps.default(128),
  }),
  z.strictObject({
    kind: z.literal('webm'),
    name: Name.default('video'),
    maxHeight: ShortSide.default(1080),
    crf: z.number().int().min(15).max(50).default(33),
    /** libvpx-vp9 cpu-used: 0 slowest/best .. 8 fastest. */
    speed: z.number().int().min(0).max(8).default(4),
    audioBitrateKbps: AudioKbps.default(96),
  }),
  z.strictObject({ kind: z.literal('hls'), name: Name.default('hls'), ...LadderFields }),
  z.strictObject({
    kind: z.literal('dash'),
    name: Name.default('dash'),
    ...LadderFields,
    /** Also HLS playlists over the same CMAF segments (one encode, both manifests, no duplicate bytes). */
    hlsPlaylists: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('poster'),
    name: Name.default('poster'),
    /** Default: 10% into the clip (past fade-ins and black first frames). */
    atSeconds: z.number().min(0).optional(),
    maxHeight: ShortSide.default(1080),
  }),
  z.strictObject({
    kind: z.literal('thumbnails'),
    name: Name.default('thumbnails'),
    count: z.number().int().min(1).max(100).default(5),
    /** Each thumbnail fits this box. */
    width: z.number().int().min(32).max(640).default(320),
    height: z.number().int().min(32).max(640).default(180),
    /** Also one sprite sheet and a WebVTT file mapping time ranges to its tiles. */
    sprite: z.boolean().default(false),
    spriteColumns: z.number().int().min(1).max(20).default(5),
  }),
  z.strictObject({
    kind: z.literal('audio'),
    name: Name.default('audio'),
    codecs: z
      .array(z.enum(['aac', 'opus']))
      .min(1)
      .max(2)
      .default(['aac']),
    bitrateKbps: AudioKbps.optional(),
  }),
]);
export type VideoOutputSpec = z.input<typeof VideoOutputSpec>;
type ParsedSpec = z.output<typeof VideoOutputSpec>;

export const VIDEO_PRESETS = {
  mobile: [
    { kind: 'mp4', maxHeight: 720 },
    { kind: 'poster', maxHeight: 720 },
  ],
  web: [{ kind: 'mp4' }, { kind: 'webm' }, { kind: 'poster' }, { kind: 'thumbnails', count: 5 }],
  hls: [{ kind: 'hls' }, { kind: 'poster' }],
} as const satisfies Record<string, readonly VideoOutputSpec[]>;
export type VideoPresetName = keyof typeof VIDEO_PRESETS;

/** What audio-only inputs get for a preset: the preset's intent, minus the picture. */
const AUDIO_ONLY_PRESETS: Record<VideoPresetName, VideoOutputSpec> = {
  mobile: { kind: 'audio', codecs: ['aac'] },
  web: { kind: 'audio', codecs: ['aac', 'opus'] },
  hls: { kind: 'audio', codecs: ['aac'] },
};

const MaxFps = z.number().min(1).max(120).default(60);
export const VideoRequest = z.union([
  z.strictObject({ preset: z.enum(['mobile', 'web', 'hls']), maxFps: MaxFps }),
  z.strictObject({ outputs: z.array(VideoOutputSpec).min(1).max(10), maxFps: MaxFps }),
]);
export type VideoRequest = z.input<typeof VideoRequest>;

export interface AudioPlan {
  bitrateKbps: number;
  channels: number;
}
export interface Rung extends Size {
  /** "720p": the shorter side. */
  name: string;
  videoBitrateKbps: number;
}
interface LadderPlan {
  rungs: Rung[];
  segmentSeconds: number;
  preset: string;
  audio?: AudioPlan;
}
interface Planned<K extends ParsedSpec['kind']> {
  kind: K;
  name: string;
  /** Top-level entry under the output directory: a file, or a folder for ladders and thumbnails. */
  path: string;
}
export type PlannedOutput =
  | (Planned<'mp4'> & Size & { crf: number; preset: string; maxBitrateKbps: number; audio?: AudioPlan })
  | (Planned<'webm'> & Size & { crf: number; speed: number; audio?: AudioPlan })
  | (Planned<'hls'> & LadderPlan)
  | (Planned<'dash'> & LadderPlan & { hlsPlaylists: boolean })
  | (Planned<'poster'> & Size & { atSeconds: number })
  | (Planned<'thumbnails'> & Size & { times: number[]; sprite?: { columns: number; rows: number } })
  | (Planned<'audio'> & { codec: 'aac' | 'opus'; bitrateKbps: number; channels: number });

/** The planned output of one kind, e.g. `OutputOf<'hls'>`. */
export type OutputOf<K extends PlannedOutput['kind']> = Extract<PlannedOutput, { kind: K }>;

export interface TranscodePlan {
  source: {
    demuxer: Demuxer;
    durationSeconds: number;
    video?: { index: number; width: number; height: number };
    audio?: { index: number; channels: number };
  };
  /** Output frame rate of every video output (constant: see frame-rate.ts). */
  frameRate?: Rational;
  outputs: PlannedOutput[];
}

const NEEDS_VIDEO = new Set(['mp4', 'webm', 'hls', 'dash', 'poster', 'thumbnails']);

/**
 * Resolves a request against the probed source. Audio-only inputs: presets turn into audio renditions
 * (the job still delivers something useful); explicit video outputs are refused with INVALID_REQUEST
 * rather than skipped, because a "completed" job missing the outputs a caller named explicitly would
 * pass for success.
 */
export function planOutputs(probe: MediaProbe, request: VideoRequest): TranscodePlan {
  const parsed = VideoRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw inputError(
      ErrorCodes.INVALID_REQUEST,
      `invalid video request: ${issue?.path.join('.')} ${issue?.message}`,
    );
  }
  const { maxFps } = parsed.data;
  const video = probe.video;
  const audio = probe.audio[0];
  const specs: readonly VideoOutputSpec[] =
    'preset' in parsed.data
      ? video
        ? VIDEO_PRESETS[parsed.data.preset]
        : [AUDIO_ONLY_PRESETS[parsed.data.preset]]
      : parsed.data.outputs;

  const source: TranscodePlan['source'] = {
    demuxer: probe.demuxer,
    durationSeconds: probe.durationSeconds,
    video: video && { index: video.index, width: video.displayWidth, height: video.displayHeight },
    // Stereo at most: a 5.1 track is downmixed, mono stays mono.
    audio: audio && { index: audio.index, channels: Math.min(2, Math.max(1, audio.channels)) },
  };
  const frameRate = video ? targetFrameRate(video.avgFrameRate ?? video.rFrameRate, maxFps) : undefined;
  const outputs = specs.flatMap((spec) =>
    planOne(VideoOutputSpec.parse(spec), source, frameRate?.value ?? 30),
  );

  const paths = outputs.map((output) => output.path);
  const duplicate = paths.find((path, i) => paths.indexOf(path) !== i);
  if (duplicate) throw inputError(ErrorCodes.INVALID_REQUEST, `two outputs would both write ${duplicate}`);
  return { source, frameRate, outputs };
}

function planOne(spec: ParsedSpec, source: TranscodePlan['source'], fps: number): PlannedOutput[] {
  const { video, audio, durationSeconds } = source;
  if (NEEDS_VIDEO.has(spec.kind) && !video) {
    throw inputError(
      ErrorCodes.INVALID_REQUEST,
      `output "${spec.name}" (${spec.kind}) needs a video stream; the input is audio only`,
    );
  }
  const audioPlan = (bitrateKbps: number) => audio && { bitrateKbps, channels: audio.channels };
  const picture = video ?? { width: 0, height: 0 };
  switch (spec.kind) {
    case 'mp4': {
      const size = scaleToShortSide(picture, spec.maxHeight);
      const maxBitrateKbps = Math.round(1.5 * videoBitrateKbps(size, fps));
      const { kind, name, crf, preset } = spec;
      return [
        {
          kind,
          name,
          path: `${name}.mp4`,
          ...size,
          crf,
          preset,
          maxBitrateKbps,
          audio: audioPlan(spec.audioBitrateKbps),
        },
      ];
    }
    case 'webm': {
      const { kind, name, crf, speed } = spec;
      const size = scaleToShortSide(picture, spec.maxHeight);
      return [
        { kind, name, path: `${name}.webm`, ...size, crf, speed, audio: audioPlan(spec.audioBitrateKbps) },
      ];
    }
    case 'hls':
    case 'dash': {
      const rungs = chooseRungs(picture, spec.ladder ?? DEFAULT_LADDER, spec.maxHeight).map((size) => {
        const shortSide = Math.min(size.width, size.height);
        return { name: `${shortSide}p`, ...size, videoBitrateKbps: videoBitrateKbps(size, fps) };
      });
      const { name, segmentSeconds, preset } = spec;
      const ladder = {
        name,
        path: name,
        rungs,
        segmentSeconds,
        preset,
        audio: audioPlan(spec.audioBitrateKbps),
      };
      return [
        spec.kind === 'hls'
          ? { kind: 'hls', ...ladder }
          : { kind: 'dash', ...ladder, hlsPlaylists: spec.hlsPlaylists },
      ];
    }
    case 'poster': {
      const lastFrame = Math.max(0, durationSeconds - 1 / fps);
      const atSeconds = Math.min(spec.atSeconds ?? durationSeconds * 0.1, lastFrame);
      return [
        {
          kind: 'poster',
          name: spec.name,
          path: `${spec.name}.jpg`,
          ...scaleToShortSide(picture, spec.maxHeight),
          atSeconds,
        },
      ];
    }
    case 'thumbnails': {
      const size = fitBox(picture, spec.width, spec.height);
      // Centred in equal slices of the clip: never the (often black) first frame, never past the end.
      const times = Array.from({ length: spec.count }, (_, i) => ((i + 0.5) * durationSeconds) / spec.count);
      const columns = Math.min(spec.spriteColumns, spec.count);
      const sprite = spec.sprite ? { columns, rows: Math.ceil(spec.count / columns) } : undefined;
      return [{ kind: 'thumbnails', name: spec.name, path: spec.name, ...size, times, sprite }];
    }
    case 'audio': {
      if (!audio) {
        throw inputError(
          ErrorCodes.INVALID_REQUEST,
          `output "${spec.name}" (audio) needs an audio stream; the input has none`,
        );
      }
      return spec.codecs.map((codec) => ({
        kind: 'audio' as const,
        name: spec.name,
        path: `${spec.name}.${codec === 'aac' ? 'm4a' : 'webm'}`,
        codec,
        bitrateKbps: spec.bitrateKbps ?? (codec === 'aac' ? 128 : 96),
        channels: audio.channels,
      }));
    }
  }
}
