import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { ErrorCodes, inputError, PipelineError } from '../../core/errors.js';
import type { OutputOf, PlannedOutput, TranscodePlan } from './plan.js';
import { runFfprobe } from './probe.js';

/** One deliverable: a media file, an image, or a playlist/manifest (whose bytes include its segments). */
export interface TranscodedOutput {
  /** The spec's name. */
  name: string;
  kind: PlannedOutput['kind'];
  /** Relative to the output directory, '/'-separated. */
  path: string;
  /** Which part of a multi-file output: '720p', 'audio', 'master', 'manifest', 'thumb-003', 'sprite', 'vtt'. */
  rendition?: string;
  codec?: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  bytes: number;
}

/** Describes what ffmpeg wrote in `workDir`: media files are measured with ffprobe, not assumed. */
export async function describeOutputs(plan: TranscodePlan, workDir: string): Promise<TranscodedOutput[]> {
  const described = await Promise.all(plan.outputs.map((output) => describeOne(output, workDir)));
  return described.flat();
}

async function describeOne(output: PlannedOutput, workDir: string): Promise<TranscodedOutput[]> {
  const base = { name: output.name, kind: output.kind };
  const file = join(workDir, output.path);
  switch (output.kind) {
    case 'mp4':
    case 'webm':
    case 'audio':
      return [{ ...base, path: output.path, ...(await measureMedia(file)) }];
    case 'poster':
      return [
        {
          ...base,
          path: output.path,
          codec: 'mjpeg',
          width: output.width,
          height: output.height,
          bytes: await size(file),
        },
      ];
    case 'thumbnails':
      return describeThumbnails(output, workDir);
    case 'hls':
      return describeHls(output, workDir);
    case 'dash':
      return describeDash(output, workDir);
  }
}

async function measureMedia(file: string) {
  const probe = await runFfprobe(file);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const main = video ?? probe.streams.find((s) => s.codec_type === 'audio');
  return {
    codec: main?.codec_name,
    width: video?.width,
    height: video?.height,
    durationSeconds: Number(probe.format.duration) || undefined,
    bytes: await size(file),
  };
}

async function describeHls(output: OutputOf<'hls'>, workDir: string): Promise<TranscodedOutput[]> {
  const base = { name: output.name, kind: output.kind };
  const variants = [
    ...output.rungs.map((rung) => ({
      rendition: rung.name,
      codec: 'h264',
      width: rung.width,
      height: rung.height,
    })),
    ...(output.audio ? [{ rendition: 'audio', codec: 'aac', width: undefined, height: undefined }] : []),
  ];
  const entries = await Promise.all(
    variants.map(async (variant) => {
      const path = posix.join(output.path, variant.rendition, 'index.m3u8');
      const playlist = await readPlaylist(join(workDir, path));
      return { ...base, path, ...variant, durationSeconds: playlist.durationSeconds, bytes: playlist.bytes };
    }),
  );
  const master = posix.join(output.path, 'master.m3u8');
  const durationSeconds = Math.max(...entries.map((e) => e.durationSeconds));
  return [
    { ...base, path: master, rendition: 'master', durationSeconds, bytes: await size(join(workDir, master)) },
    ...entries,
  ];
}

/**
 * ffmpeg 5.1 lists the rendition of an audio group a second time, as an audio-only variant (a
 * STREAM-INF without RESOLUTION). A player on a weak network may pick it and show no picture; every
 * video variant already references the audio group, so that entry is dropped from the master.
 */
export async function dropAudioOnlyVariants(plan: TranscodePlan, workDir: string): Promise<void> {
  for (const output of plan.outputs) {
    if (output.kind !== 'hls' || !output.audio) continue;
    const path = join(workDir, output.path, 'master.m3u8');
    const lines = (await readFile(path, 'utf8')).split('\n');
    const audioOnly = (i: number) =>
      lines[i]?.startsWith('#EXT-X-STREAM-INF') === true && !lines[i]?.includes('RESOLUTION=');
    const kept = lines.filter((_, i) => !audioOnly(i) && !audioOnly(i - 1));
    await writeFile(path, kept.join('\n').replace(/\n{3,}/g, '\n\n'));
  }
}

/** Media playlist: its own bytes plus its init and media segments, and the sum of EXTINF durations. */
export async function readPlaylist(
  path: string,
): Promise<{ uris: string[]; durationSeconds: number; bytes: number }> {
  const text = await readFile(path, 'utf8');
  const uris: string[] = [];
  let durationSeconds = 0;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXTINF:')) durationSeconds += Number.parseFloat(line.slice('#EXTINF:'.length));
    const map = line.match(/^#EXT-X-MAP:.*URI="([^"]+)"/);
    if (map?.[1]) uris.push(map[1]);
    if (line && !line.startsWith('#')) uris.push(line);
  }
  const sizes = await Promise.all(uris.map((uri) => size(join(dirname(path), uri))));
  const bytes = sizes.reduce((sum, n) => sum + n, await size(path));
  return { uris, durationSeconds, bytes };
}

async function describeDash(output: OutputOf<'dash'>, workDir: string): Promise<TranscodedOutput[]> {
  const base = { name: output.name, kind: output.kind };
  const dir = join(workDir, output.path);
  const files = await readdir(dir);
  const bytesOf = async (names: string[]) =>
    (await Promise.all(names.map((n) => size(join(dir, n))))).reduce((sum, n) => sum + n, 0);
  const manifest = await readFile(join(dir, 'manifest.mpd'), 'utf8');
  const durationSeconds = isoDurationSeconds(manifest.match(/mediaPresentationDuration="([^"]+)"/)?.[1]);
  // Representation ids follow the mapped stream order: the rungs, then audio.
  const rungs = await Promise.all(
    output.rungs.map(async (rung, id) => ({
      ...base,
      path: posix.join(output.path, 'manifest.mpd'),
      rendition: rung.name,
      codec: 'h264',
      width: rung.width,
      height: rung.height,
      durationSeconds,
      bytes: await bytesOf(files.filter((f) => f === `init-${id}.m4s` || f.startsWith(`chunk-${id}-`))),
    })),
  );
  const whole = { ...base, path: posix.join(output.path, 'manifest.mpd'), rendition: 'manifest' };
  const entries = [{ ...whole, durationSeconds, bytes: await bytesOf(files) }, ...rungs];
  if (!output.hlsPlaylists) return entries;
  const master = posix.join(output.path, 'master.m3u8');
  return [
    ...entries,
    {
      ...base,
      path: master,
      rendition: 'hls-master',
      durationSeconds,
      bytes: await size(join(workDir, master)),
    },
  ];
}

/** PT1M2.5S -> 62.5 (the subset dashenc writes). */
export function isoDurationSeconds(value: string | undefined): number | undefined {
  const match = value?.match(/^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/);
  if (!match) return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

async function describeThumbnails(
  output: OutputOf<'thumbnails'>,
  workDir: string,
): Promise<TranscodedOutput[]> {
  const base = { name: output.name, kind: output.kind, codec: 'mjpeg' };
  const dir = join(workDir, output.path);
  const thumbs = (await readdir(dir)).filter((f) => /^thumb-\d+\.jpg$/.test(f)).sort();
  const entries: TranscodedOutput[] = await Promise.all(
    thumbs.map(async (file) => ({
      ...base,
      path: posix.join(output.path, file),
      rendition: file.replace(/\.jpg$/, ''),
      width: output.width,
      height: output.height,
      bytes: await size(join(dir, file)),
    })),
  );
  if (!output.sprite) return entries;
  const { columns, rows } = output.sprite;
  const spritePath = posix.join(output.path, 'sprite.jpg');
  const vttPath = posix.join(output.path, 'thumbnails.vtt');
  return [
    ...entries,
    {
      ...base,
      path: spritePath,
      rendition: 'sprite',
      width: columns * output.width,
      height: rows * output.height,
      bytes: await size(join(workDir, spritePath)),
    },
    {
      name: output.name,
      kind: output.kind,
      path: vttPath,
      rendition: 'vtt',
      bytes: await size(join(workDir, vttPath)),
    },
  ];
}

/**
 * A source that ends well before its probed duration (an upload cut short whose header survived)
 * makes ffmpeg stop early without an error; a short output must not pass for a complete one.
 */
export function checkComplete(plan: TranscodePlan, outputs: readonly TranscodedOutput[]): void {
  const expected = plan.source.durationSeconds;
  const short = outputs.find(
    (o) =>
      o.durationSeconds !== undefined && o.kind !== 'thumbnails' && o.durationSeconds < expected * 0.9 - 0.5,
  );
  if (short) {
    throw inputError(
      ErrorCodes.CORRUPT_MEDIA,
      `input ended at ${short.durationSeconds?.toFixed(1)} s of its ${expected.toFixed(1)} s (truncated?)`,
    );
  }
}

/**
 * Moves finished outputs from the work directory into place, replacing leftovers of an earlier
 * attempt (never merging with them). Renames stay on one file system, so each entry appears whole.
 */
export async function promote(
  workDir: string,
  outDir: string,
  entries: readonly string[],
): Promise<string[]> {
  const moved: string[] = [];
  try {
    for (const entry of entries) {
      const target = join(outDir, entry);
      await rm(target, { recursive: true, force: true });
      await rename(join(workDir, entry), target);
      moved.push(target);
    }
  } catch (error) {
    await Promise.all(moved.map((target) => rm(target, { recursive: true, force: true })));
    throw new PipelineError(
      ErrorCodes.INTERNAL,
      `could not move outputs into place: ${String(error)}`,
      'internal',
      {
        cause: error,
      },
    );
  }
  const files = await Promise.all(entries.map((entry) => filesUnder(outDir, entry)));
  return files.flat().sort();
}

/** The files at `root/entry` (one file, or every file under a folder), relative to root, '/'-separated. */
export async function filesUnder(root: string, entry = ''): Promise<string[]> {
  const path = join(root, entry);
  const relativeToRoot = (file: string) => relative(root, file).split(sep).join('/');
  if (!(await stat(path)).isDirectory()) return [relativeToRoot(path)];
  const found = await readdir(path, { recursive: true, withFileTypes: true });
  // parentPath is Node >= 20.12; `path` is its older name.
  return found
    .filter((item) => item.isFile())
    .map((item) => relativeToRoot(join(item.parentPath ?? item.path, item.name)));
}

const size = async (path: string) => (await stat(path)).size;
