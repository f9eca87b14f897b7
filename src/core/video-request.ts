import { z } from 'zod';

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

export const VideoOutputSpec = z
  .discriminatedUnion('kind', [
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
  ])
  .meta({ id: 'VideoOutputSpec' });
export type VideoOutputSpec = z.input<typeof VideoOutputSpec>;
export type ParsedVideoOutputSpec = z.output<typeof VideoOutputSpec>;

export const VIDEO_PRESETS = {
  mobile: [
    { kind: 'mp4', maxHeight: 720 },
    { kind: 'poster', maxHeight: 720 },
  ],
  web: [{ kind: 'mp4' }, { kind: 'webm' }, { kind: 'poster' }, { kind: 'thumbnails', count: 5 }],
  hls: [{ kind: 'hls' }, { kind: 'poster' }],
} as const satisfies Record<string, readonly VideoOutputSpec[]>;
export type VideoPresetName = keyof typeof VIDEO_PRESETS;

const MaxFps = z.number().min(1).max(120).default(60);
export const VideoRequest = z
  .union([
    z.strictObject({ preset: z.enum(['mobile', 'web', 'hls']), maxFps: MaxFps }),
    z.strictObject({ outputs: z.array(VideoOutputSpec).min(1).max(10), maxFps: MaxFps }),
  ])
  .meta({ id: 'VideoRequest' });
export type VideoRequest = z.input<typeof VideoRequest>;
