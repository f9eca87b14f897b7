import { resolve } from 'node:path';
import type { TranscodePlan } from './plan.js';
import { DEMUXER_WHITELIST, PROTOCOL_WHITELIST } from './probe.js';

// What every ffmpeg command here shares: safe input options, the metadata policy, encoder settings.

/** One ffmpeg run: the arguments (never parsed by a shell) and what its progress is measured against. */
export interface FfmpegJob {
  stage: 'encode' | 'stills';
  args: string[];
  /** Seconds of source media the command reads: its progress is measured against this. */
  mediaSeconds: number;
}

// -v error keeps stderr to real errors (we keep its tail for the failure message); -progress gives
// machine-readable progress on stdout; -y because every path is ours, inside a fresh temp folder.
export const GLOBAL_ARGS = [
  ...['-nostdin', '-hide_banner', '-v', 'error'],
  ...['-nostats', '-progress', 'pipe:1', '-y'],
];
// Global tags (GPS location, device, owner) and chapters are not copied: outputs carry no private data.
export const NO_METADATA = ['-map_metadata', '-1', '-map_chapters', '-1'];

/**
 * Input options for the untrusted file: only local protocols, only the allowed demuxers, and the
 * demuxer the probe found forced by name, so nothing is re-detected. `-t` stops reading at the probed
 * duration (plus slack): a file whose header claims 10 s is never decoded for an hour.
 */
export function inputArgs(plan: TranscodePlan, inputPath: string, seekSeconds?: number): string[] {
  const window =
    seekSeconds === undefined
      ? ['-t', seconds(Math.ceil(plan.source.durationSeconds) + 1)]
      : ['-ss', seconds(seekSeconds)];
  return [
    ...window,
    ...['-protocol_whitelist', PROTOCOL_WHITELIST, '-format_whitelist', DEMUXER_WHITELIST],
    ...['-f', plan.source.demuxer, '-i', `file:${resolve(inputPath)}`],
  ];
}

export function audioArgs(codec: 'aac' | 'opus', bitrateKbps: number, channels: number): string[] {
  const encoder = codec === 'aac' ? 'aac' : 'libopus';
  return ['-c:a', encoder, '-b:a', `${bitrateKbps}k`, '-ac', String(channels), '-ar', '48000'];
}

export function audioMap(plan: TranscodePlan, wanted: unknown): string[] {
  const audio = plan.source.audio;
  return audio && wanted ? ['-map', `0:${audio.index}`] : [];
}

export const x264 = (preset: string) => [
  '-c:v',
  'libx264',
  '-preset',
  preset,
  '-profile:v',
  'high',
  '-fps_mode',
  'cfr',
];

const seconds = (value: number) => value.toFixed(3);
