import { ErrorCodes, inputError } from '../../core/errors.js';
import {
  type ParsedVideoOutputSpec as ParsedSpec,
  VIDEO_PRESETS,
  VideoOutputSpec,
  type VideoPresetName,
  VideoRequest,
} from '../../core/video-request.js';
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

// The request vocabulary lives in src/core (the job model holds it); the planner re-exports it.
export { VIDEO_PRESETS, VideoOutputSpec, type VideoPresetName, VideoRequest };

/** What audio-only inputs get for a preset: the preset's intent, minus the picture. */
const AUDIO_ONLY_PRESETS: Record<VideoPresetName, VideoOutputSpec> = {
  mobile: { kind: 'audio', codecs: ['aac'] },
  web: { kind: 'audio', codecs: ['aac', 'opus'] },
  hls: { kind: 'audio', codecs: ['aac'] },
};

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
