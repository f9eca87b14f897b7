import { join } from 'node:path';
import {
  audioArgs,
  audioMap,
  type FfmpegJob,
  GLOBAL_ARGS,
  inputArgs,
  NO_METADATA,
  x264,
} from './ffmpeg-common.js';
import type { Size } from './ladder.js';
import type { OutputOf, PlannedOutput, Rung, TranscodePlan } from './plan.js';
import { stillsJob } from './stills-args.js';

export { type FfmpegJob, inputArgs } from './ffmpeg-common.js';

type LadderOutput = OutputOf<'hls' | 'dash'>;

/**
 * ffmpeg argument arrays (no shell ever parses them) for a plan. One "encode" command decodes the
 * source once and feeds every video rendition (mp4, webm, each HLS/DASH rung) through one filter
 * graph; one "stills" command makes the poster and thumbnails (stills-args.ts).
 */
export function buildFfmpegJobs(plan: TranscodePlan, inputPath: string, workDir: string): FfmpegJob[] {
  const jobs: FfmpegJob[] = [];
  const encoded = plan.outputs.filter((o) => !['poster', 'thumbnails'].includes(o.kind));
  if (encoded.length > 0) jobs.push(encodeJob(plan, encoded, inputPath, workDir));
  const stills = plan.outputs.filter((o) => o.kind === 'poster' || o.kind === 'thumbnails');
  if (stills.length > 0) jobs.push(stillsJob(plan, stills, inputPath, workDir));
  return jobs;
}

/** Folders ffmpeg writes into but does not create (image2, and one per HLS variant). */
export function directoriesFor(plan: TranscodePlan): string[] {
  return plan.outputs.flatMap((output) => {
    if (output.kind === 'thumbnails' || output.kind === 'dash') return [output.path];
    if (output.kind !== 'hls') return [];
    const variants = output.rungs.map((rung) => join(output.path, rung.name));
    return output.audio ? [...variants, join(output.path, 'audio')] : variants;
  });
}

export function encodeJob(
  plan: TranscodePlan,
  outputs: readonly PlannedOutput[],
  inputPath: string,
  workDir: string,
): FfmpegJob {
  const branches = outputs.flatMap((o): Branch[] =>
    o.kind === 'dash'
      ? o.rungs.map((rung) => ({ ...rung, sameAspect: true }))
      : o.kind === 'hls'
        ? o.rungs
        : o.kind === 'mp4' || o.kind === 'webm'
          ? [o]
          : [],
  );
  const graph = branches.length > 0 ? ['-filter_complex', videoGraph(plan, branches)] : [];
  let next = 0;
  const take = (count: number) => Array.from({ length: count }, () => `[v${next++}]`);
  const outputArgs = outputs.flatMap((output) => {
    const path = join(workDir, output.path);
    switch (output.kind) {
      case 'mp4':
        return mp4Args(plan, output, take(1), path);
      case 'webm':
        return webmArgs(plan, output, take(1), path);
      case 'hls':
        return hlsArgs(plan, output, output.rungs, take(output.rungs.length), path);
      case 'dash':
        return dashArgs(plan, output, take(output.rungs.length), path);
      case 'audio':
        return audioRenditionArgs(plan, output, path);
      default:
        return [];
    }
  });
  const args = [...GLOBAL_ARGS, ...inputArgs(plan, inputPath), ...graph, ...outputArgs];
  return { stage: 'encode', args, mediaSeconds: plan.source.durationSeconds };
}

/**
 * `sameAspect`: DASH wants one picture aspect ratio per adaptation set (ffmpeg's dash muxer refuses
 * 854x480 next to 640x360), so those rungs keep the source's display aspect exactly via the sample
 * aspect ratio (setdar) instead of being made square-pixel.
 */
export type Branch = Size & { sameAspect?: boolean };

/**
 * One decode, one frame-rate conversion, then a scale per rendition, cascaded: each rendition is scaled
 * from the next larger one (1080p → 720p → 480p → 360p) rather than from the source, so every scaler reads
 * the smallest picture it can; renditions of the same size share one scale. Only one decode makes this
 * possible, and it is most of what it saves besides the decodes (about 8 % of a 4-rung ladder's wall time
 * here). ffmpeg has already applied the display rotation (autorotate) before this graph, so sizes are
 * display sizes, and outputs fed from a filter graph get no display matrix: a portrait source yields
 * upright portrait pixels with no rotation flag left to double-apply. `format=yuv420p` turns 10-bit and
 * 4:4:4 sources into what every H.264/VP9 decoder plays; `setsar=1` makes anamorphic sources square-pixel.
 */
export function videoGraph(plan: TranscodePlan, branches: readonly Branch[]): string {
  const video = plan.source.video;
  const rate = plan.frameRate?.text ?? '30';
  if (!video) throw new Error('a video graph needs a video stream');
  const divisor = gcd(video.width, video.height);
  const aspect = `setdar=${video.width / divisor}/${video.height / divisor}`;
  const scale = ({ width, height, sameAspect }: Branch) =>
    `scale=${width}:${height}:flags=bicubic,${sameAspect ? aspect : 'setsar=1'},format=yuv420p`;
  const parents = cascadeParents(branches);
  const children = branches.map((_, i) => parents.flatMap((parent, child) => (parent === i ? [child] : [])));
  const roots = branches.flatMap((_, i) => (parents[i] === undefined ? [i] : []));
  const source = `[0:${video.index}]fps=${rate}`;
  const filters = [
    roots.length === 1
      ? `${source}[r${roots[0]}]`
      : `${source},split=${roots.length}${roots.map((i) => `[r${i}]`).join('')}`,
  ];
  for (const [i, branch] of branches.entries()) {
    const parent = parents[i];
    const input = parent === undefined ? `[r${i}]` : `[c${parent}_${i}]`;
    const sameAsParent =
      parent !== undefined &&
      branches[parent]?.width === branch.width &&
      branches[parent]?.height === branch.height;
    const filter = sameAsParent ? 'null' : scale(branch);
    const fanOut = children[i] ?? [];
    const outputs = [`[v${i}]`, ...fanOut.map((child) => `[c${i}_${child}]`)].join('');
    filters.push(`${input}${filter}${fanOut.length ? `,split=${fanOut.length + 1}` : ''}${outputs}`);
  }
  return filters.join(';');
}

/**
 * For each branch, the branch it is scaled from: the smallest larger-or-equal one with the same aspect
 * handling that comes earlier in size order; undefined when it is scaled from the source.
 */
function cascadeParents(branches: readonly Branch[]): (number | undefined)[] {
  const bySize = branches
    .map((branch, index) => ({ branch, index }))
    .sort((a, b) => b.branch.width * b.branch.height - a.branch.width * a.branch.height || a.index - b.index);
  const parents: (number | undefined)[] = branches.map(() => undefined);
  for (const [position, { branch, index }] of bySize.entries()) {
    for (let candidate = position - 1; candidate >= 0; candidate--) {
      const larger = bySize[candidate] as { branch: Branch; index: number };
      if (
        larger.branch.width >= branch.width &&
        larger.branch.height >= branch.height &&
        Boolean(larger.branch.sameAspect) === Boolean(branch.sameAspect)
      ) {
        parents[index] = larger.index;
        break;
      }
    }
  }
  return parents;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function mp4Args(plan: TranscodePlan, output: OutputOf<'mp4'>, [label]: string[], path: string): string[] {
  const { audio, crf, maxBitrateKbps } = output;
  return [
    ...['-map', label as string, ...audioMap(plan, audio)],
    ...x264(output.preset),
    // Capped CRF: constant quality, but no bitrate spikes a phone on a weak network cannot stream.
    ...['-crf', String(crf), '-maxrate', `${maxBitrateKbps}k`, '-bufsize', `${2 * maxBitrateKbps}k`],
    ...(audio ? audioArgs('aac', audio.bitrateKbps, audio.channels) : []),
    ...NO_METADATA,
    ...['-movflags', '+faststart', '-f', 'mp4', path],
  ];
}

function webmArgs(plan: TranscodePlan, output: OutputOf<'webm'>, [label]: string[], path: string): string[] {
  const { audio } = output;
  return [
    ...['-map', label as string, ...audioMap(plan, audio)],
    ...['-c:v', 'libvpx-vp9', '-crf', String(output.crf), '-b:v', '0', '-fps_mode', 'cfr'],
    ...['-deadline', 'good', '-cpu-used', String(output.speed), '-row-mt', '1'],
    ...(audio ? audioArgs('opus', audio.bitrateKbps, audio.channels) : []),
    ...NO_METADATA,
    ...['-f', 'webm', path],
  ];
}

/**
 * Same GOP on every rung so segments switch cleanly: a keyframe forced at every segment boundary by
 * time, scene-cut keyframes off (they would land on different frames per rung), and a GOP cap of two
 * segments that the forced keyframes always pre-empt.
 */
function alignedGopArgs(plan: TranscodePlan, segmentSeconds: number): string[] {
  const fps = plan.frameRate?.value ?? 30;
  return [
    ...['-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`],
    ...['-sc_threshold', '0', '-g', String(Math.round(2 * fps * segmentSeconds))],
  ];
}

function rungRateArgs(rungs: readonly Rung[]): string[] {
  return rungs.flatMap((rung, i) => [
    ...[
      `-b:v:${i}`,
      `${rung.videoBitrateKbps}k`,
      `-maxrate:v:${i}`,
      `${Math.round(rung.videoBitrateKbps * 1.1)}k`,
    ],
    ...[`-bufsize:v:${i}`, `${rung.videoBitrateKbps * 2}k`],
  ]);
}

/**
 * HLS with fMP4 (CMAF) segments: the same segment format DASH uses, HEVC-ready, and one init
 * segment per variant. Audio is one rendition in its own group that every video variant references,
 * so it is encoded once rather than muxed into each rung.
 */
export function hlsArgs(
  plan: TranscodePlan,
  output: LadderOutput,
  rungs: readonly Rung[],
  labels: readonly string[],
  dir: string,
  withAudio = true,
): string[] {
  const audio = withAudio ? output.audio : undefined;
  const group = audio ? 'agroup:audio,' : '';
  const streamMap = rungs.map((rung, i) => `v:${i},${group}name:${rung.name}`);
  if (audio) streamMap.push('a:0,agroup:audio,name:audio');
  return [
    ...labels.flatMap((label) => ['-map', label]),
    ...audioMap(plan, audio),
    ...x264(output.preset),
    ...alignedGopArgs(plan, output.segmentSeconds),
    ...rungRateArgs(rungs),
    ...(audio ? audioArgs('aac', audio.bitrateKbps, audio.channels) : []),
    ...NO_METADATA,
    ...['-f', 'hls', '-hls_time', String(output.segmentSeconds), '-hls_playlist_type', 'vod'],
    ...[
      '-hls_flags',
      'independent_segments',
      '-hls_segment_type',
      'fmp4',
      '-hls_fmp4_init_filename',
      'init.mp4',
    ],
    ...['-hls_segment_filename', join(dir, '%v', 'segment-%05d.m4s')],
    ...['-master_pl_name', 'master.m3u8', '-var_stream_map', streamMap.join(' ')],
    join(dir, '%v', 'index.m3u8'),
  ];
}

/**
 * DASH: fMP4 segments, templated names, one adaptation set per type. With `hlsPlaylists` the dash
 * muxer also writes master.m3u8 and media_<n>.m3u8 over the very same segments.
 */
function dashArgs(
  plan: TranscodePlan,
  output: OutputOf<'dash'>,
  labels: readonly string[],
  dir: string,
): string[] {
  const { audio } = output;
  return [
    ...labels.flatMap((label) => ['-map', label]),
    ...audioMap(plan, audio),
    ...x264(output.preset),
    ...alignedGopArgs(plan, output.segmentSeconds),
    ...rungRateArgs(output.rungs),
    ...(audio ? audioArgs('aac', audio.bitrateKbps, audio.channels) : []),
    ...NO_METADATA,
    ...['-f', 'dash', '-seg_duration', String(output.segmentSeconds), '-dash_segment_type', 'mp4'],
    ...['-use_template', '1', '-use_timeline', '1'],
    ...['-adaptation_sets', audio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v'],
    ...['-init_seg_name', 'init-$RepresentationID$.m4s'],
    ...['-media_seg_name', 'chunk-$RepresentationID$-$Number%05d$.m4s'],
    ...(output.hlsPlaylists ? ['-hls_playlist', '1', '-hls_master_name', 'master.m3u8'] : []),
    join(dir, 'manifest.mpd'),
  ];
}

function audioRenditionArgs(plan: TranscodePlan, output: OutputOf<'audio'>, path: string): string[] {
  const container = output.codec === 'aac' ? ['-movflags', '+faststart', '-f', 'ipod'] : ['-f', 'webm'];
  return [
    ...audioMap(plan, true),
    ...audioArgs(output.codec, output.bitrateKbps, output.channels),
    ...NO_METADATA,
    ...container,
    path,
  ];
}
