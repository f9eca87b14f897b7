import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/core/errors.js';
import { planOutputs, type VideoRequest } from '../../src/media/video/plan.js';
import { probeMedia } from '../../src/media/video/probe.js';
import { separateRungEncodes, type TranscodeProgress, transcode } from '../../src/media/video/transcode.js';
import { CASE_CLIPS, type ClipOptions, renderClip } from '../support/video-clips.js';

const run = promisify(execFile);
let dir: string;
const clip = (name: string) => join(dir, 'clips', name);
let outCount = 0;
const freshOut = () => join(dir, `out-${++outCount}`);

const CLIPS: Record<string, ClipOptions> = {
  ...CASE_CLIPS,
  'long.mp4': { width: 640, height: 360, seconds: 20, fps: 30 },
  'faststart.mp4': { width: 320, height: 180, seconds: 4, faststart: true },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'video-transcode-'));
  await mkdir(join(dir, 'clips'));
  await Promise.all(Object.entries(CLIPS).map(([name, options]) => renderClip(clip(name), options)));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Stream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  side_data_list?: { side_data_type: string; rotation?: number }[];
  tags?: Record<string, string>;
}
/** The test's own ffprobe (trusted outputs; hls demuxer allowed for playlists). */
async function ffprobe(path: string, extra: string[] = []) {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-protocol_whitelist', 'file', '-show_format', '-show_streams', '-of', 'json'],
    ...extra,
    path,
  ]);
  return JSON.parse(stdout) as { streams: Stream[]; format: { duration: string; format_name: string } };
}
const videoOf = (probe: { streams: Stream[] }) => probe.streams.find((s) => s.codec_type === 'video');

async function keyframeTimes(playlist: string): Promise<string[]> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-protocol_whitelist', 'file', '-select_streams', 'v:0'],
    ...['-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', playlist],
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.includes('K'))
    .map((line) => line.split(',')[0] ?? '');
}

/** Average PSNR of `output` against the source's stored (not autorotated) frames after `turn`. */
async function psnr(output: string, source: string, turn: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    ...['-nostdin', '-hide_banner', '-i', output, '-noautorotate', '-i', source],
    ...['-filter_complex', `[1:v]${turn}[reference];[0:v][reference]psnr`, '-f', 'null', '-'],
  ]);
  const average = stderr.match(/PSNR .* average:([\d.]+|inf)/)?.[1];
  return average === 'inf' ? 100 : Number(average);
}

async function transcodeClip(
  name: string,
  request: VideoRequest,
  onProgress?: (p: TranscodeProgress) => void,
) {
  const probe = await probeMedia(clip(name));
  const plan = planOutputs(probe, request);
  const outDir = freshOut();
  const result = await transcode(clip(name), plan, outDir, { onProgress });
  expect((await readdir(outDir)).filter((f) => f.startsWith('.transcode-'))).toEqual([]);
  return { probe, plan, outDir, result };
}

const frame = 1 / 25;

describe('transcode', () => {
  it('makes an aligned HLS ladder, an mp4, a poster and a thumbnail sprite from one landscape clip', async () => {
    const progress: TranscodeProgress[] = [];
    const { outDir, result } = await transcodeClip(
      'landscape.mp4',
      {
        outputs: [
          { kind: 'hls', segmentSeconds: 1, preset: 'ultrafast' },
          { kind: 'mp4', maxHeight: 360, preset: 'ultrafast' },
          { kind: 'poster' },
          { kind: 'thumbnails', count: 4, width: 160, height: 90, sprite: true, spriteColumns: 2 },
        ],
      },
      (p) => progress.push(p),
    );
    const master = await readFile(join(outDir, 'hls/master.m3u8'), 'utf8');
    const variants = master.split('\n').filter((line) => line.endsWith('.m3u8') && !line.startsWith('#'));
    expect(variants.sort()).toEqual(['360p/index.m3u8', '480p/index.m3u8', '720p/index.m3u8']);
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO.*URI="audio\/index.m3u8"/);
    expect(master.match(/#EXT-X-STREAM-INF:.*RESOLUTION=\d+x\d+.*AUDIO="group_audio"/g)).toHaveLength(3);
    const sizes: Record<string, [number, number]> = {
      '720p': [1280, 720],
      '480p': [854, 480],
      '360p': [640, 360],
    };
    const keyframes: string[][] = [];
    for (const [rung, [width, height]] of Object.entries(sizes)) {
      const playlist = join(outDir, 'hls', rung, 'index.m3u8');
      const text = await readFile(playlist, 'utf8');
      expect(text).toMatch(/^#EXTM3U/);
      expect(text).toMatch(/#EXT-X-MAP:URI="[^"]+"/);
      expect(text).toMatch(/#EXT-X-ENDLIST/);
      const probe = await ffprobe(playlist);
      expect(videoOf(probe)).toMatchObject({ codec_name: 'h264', width, height, pix_fmt: 'yuv420p' });
      expect(Math.abs(Number(probe.format.duration) - 2)).toBeLessThanOrEqual(2 * frame);
      keyframes.push(await keyframeTimes(playlist));
    }
    expect(keyframes[0]?.length).toBeGreaterThanOrEqual(2);
    expect(keyframes[1]).toEqual(keyframes[0]);
    expect(keyframes[2]).toEqual(keyframes[0]);

    const mp4 = await ffprobe(join(outDir, 'video.mp4'));
    expect(mp4.streams.map((s) => [s.codec_name, s.width, s.height])).toEqual([
      ['h264', 640, 360],
      ['aac', undefined, undefined],
    ]);
    expect(Math.abs(Number(mp4.format.duration) - 2)).toBeLessThanOrEqual(2 * frame);
    const bytes = await readFile(join(outDir, 'video.mp4'));
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));

    expect(videoOf(await ffprobe(join(outDir, 'poster.jpg')))).toMatchObject({ width: 1280, height: 720 });
    expect(videoOf(await ffprobe(join(outDir, 'thumbnails/sprite.jpg')))).toMatchObject({
      width: 320,
      height: 180,
    });
    const thumbs = result.outputs.filter((o) => o.rendition?.startsWith('thumb-'));
    expect(thumbs.map((o) => o.path)).toEqual([1, 2, 3, 4].map((i) => `thumbnails/thumb-00${i}.jpg`));
    expect(await readFile(join(outDir, 'thumbnails/thumbnails.vtt'), 'utf8')).toMatch(
      /00:00:01\.5\d\d --> 00:00:02\.\d{3}\nsprite\.jpg#xywh=160,90,160,90\n$/,
    );

    expect(result.outputs.find((o) => o.rendition === '480p')).toMatchObject({
      path: 'hls/480p/index.m3u8',
      width: 854,
    });
    expect(result.files).toContain('hls/master.m3u8');
    expect(result.files.every((file) => existsSync(join(outDir, file)))).toBe(true);
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ percent: 100, done: true });
  });

  it('keeps a rotated phone clip portrait, upright and without rotation metadata', async () => {
    const { outDir } = await transcodeClip('portrait.mp4', {
      outputs: [
        { kind: 'mp4', preset: 'ultrafast' },
        { kind: 'hls', ladder: [360, 240], segmentSeconds: 1, preset: 'ultrafast' },
      ],
    });
    for (const [path, width, height] of [
      ['video.mp4', 360, 640],
      ['hls/360p/index.m3u8', 360, 640],
      ['hls/240p/index.m3u8', 240, 426],
    ] as const) {
      const video = videoOf(await ffprobe(join(outDir, path)));
      expect(video, path).toMatchObject({ width, height });
      expect(video?.side_data_list?.find((d) => d.rotation)?.rotation ?? 0, path).toBe(0);
      expect(video?.tags?.rotate, path).toBeUndefined();
    }
    // Upright, not just portrait: the output matches the stored picture turned clockwise (what the
    // display matrix asks for), and not the picture turned the other way.
    const clockwise = await psnr(join(outDir, 'video.mp4'), clip('portrait.mp4'), 'transpose=clock');
    const counterClockwise = await psnr(join(outDir, 'video.mp4'), clip('portrait.mp4'), 'transpose=cclock');
    expect(clockwise).toBeGreaterThan(30);
    expect(clockwise).toBeGreaterThan(counterClockwise + 10);
  });

  it('makes odd 4:4:4 sources even-sized 4:2:0 in mp4 and VP9/Opus webm', async () => {
    const { outDir } = await transcodeClip('odd.mp4', {
      outputs: [
        { kind: 'mp4', preset: 'ultrafast' },
        { kind: 'webm', speed: 8 },
      ],
    });
    expect(videoOf(await ffprobe(join(outDir, 'video.mp4')))).toMatchObject({
      width: 640,
      height: 358,
      pix_fmt: 'yuv420p',
    });
    const webm = await ffprobe(join(outDir, 'video.webm'));
    expect(webm.streams.map((s) => s.codec_name)).toEqual(['vp9', 'opus']);
    expect(videoOf(webm)).toMatchObject({ width: 640, height: 358, pix_fmt: 'yuv420p' });
  });

  it('converts 10-bit HEVC in Matroska to 8-bit H.264 High', async () => {
    // veryfast, the default: ultrafast turns off CABAC and B-frames, so x264 signals Constrained Baseline.
    const { outDir } = await transcodeClip('hevc10.mkv', { outputs: [{ kind: 'mp4', preset: 'veryfast' }] });
    const video = videoOf(await ffprobe(join(outDir, 'video.mp4')));
    expect(video).toMatchObject({
      codec_name: 'h264',
      profile: 'High',
      pix_fmt: 'yuv420p',
      width: 320,
      height: 180,
    });
  });

  it('turns variable frame rate into constant frame rate of the same duration', async () => {
    const { outDir, plan, probe } = await transcodeClip('vfr.mp4', {
      outputs: [{ kind: 'mp4', preset: 'ultrafast' }],
    });
    expect(probe.video?.variableFrameRate).toBe(true);
    const rate = plan.frameRate?.value ?? 0;
    expect(rate).toBeCloseTo(probe.video?.avgFrameRate ?? 0, 2);
    const output = await ffprobe(join(outDir, 'video.mp4'));
    const video = videoOf(output);
    expect(video?.avg_frame_rate).toBe(video?.r_frame_rate);
    expect(Math.abs(Number(output.format.duration) - probe.durationSeconds)).toBeLessThanOrEqual(2 / rate);
  });

  it('handles silent video (no audio group) and audio-only input (audio renditions)', async () => {
    const silent = await transcodeClip('silent.mp4', {
      outputs: [
        { kind: 'mp4', preset: 'ultrafast' },
        { kind: 'hls', segmentSeconds: 1, preset: 'ultrafast' },
      ],
    });
    expect((await ffprobe(join(silent.outDir, 'video.mp4'))).streams.map((s) => s.codec_type)).toEqual([
      'video',
    ]);
    const master = await readFile(join(silent.outDir, 'hls/master.m3u8'), 'utf8');
    expect(master).not.toMatch(/TYPE=AUDIO/);
    expect(master).toMatch(/240p\/index\.m3u8/);

    const tone = await transcodeClip('tone.m4a', { preset: 'web' });
    const codecs = await Promise.all(
      ['audio.m4a', 'audio.webm'].map(
        async (path) => (await ffprobe(join(tone.outDir, path))).streams[0]?.codec_name,
      ),
    );
    expect(codecs).toEqual(['aac', 'opus']);
    expect(tone.result.outputs.map((o) => [o.path, o.codec])).toEqual([
      ['audio.m4a', 'aac'],
      ['audio.webm', 'opus'],
    ]);
  });

  it('writes DASH, and HLS playlists over the same CMAF segments, from one encode', async () => {
    const { outDir, result } = await transcodeClip('landscape.mp4', {
      outputs: [
        { kind: 'dash', ladder: [480, 360], segmentSeconds: 1, preset: 'ultrafast', hlsPlaylists: true },
      ],
    });
    const mpd = await readFile(join(outDir, 'dash/manifest.mpd'), 'utf8');
    expect(mpd.match(/<Representation /g)).toHaveLength(3);
    expect(mpd).toMatch(/width="854" height="480"/);
    expect(mpd).toMatch(/width="640" height="360"/);
    expect(mpd).toMatch(/initialization="init-\$RepresentationID\$\.m4s"/);
    expect(result.outputs.find((o) => o.rendition === 'manifest')?.durationSeconds).toBeCloseTo(2, 0);
    const master = await readFile(join(outDir, 'dash/master.m3u8'), 'utf8');
    expect(master.match(/#EXT-X-STREAM-INF:.*RESOLUTION=(854x480|640x360)/g)).toHaveLength(2);
    for (const rung of ['0', '1']) {
      const playlist = await readFile(join(outDir, `dash/media_${rung}.m3u8`), 'utf8');
      expect(playlist).toContain(`#EXT-X-MAP:URI="init-${rung}.m4s"`);
      const segments = playlist.split('\n').filter((line) => line.startsWith('chunk-'));
      expect(segments.length).toBeGreaterThanOrEqual(2);
      expect(segments.every((segment) => existsSync(join(outDir, 'dash', segment)))).toBe(true);
    }
    const files = await readdir(join(outDir, 'dash'));
    expect(
      files.filter((f) => f.endsWith('.m4s') && !f.startsWith('init-') && !f.startsWith('chunk-')),
    ).toEqual([]);
  });

  it('refuses an input that ends long before its header says (terminal, nothing written)', async () => {
    const whole = await readFile(clip('faststart.mp4'));
    await writeFile(clip('cut.mp4'), whole.subarray(0, Math.floor(whole.length * 0.4)));
    const plan = planOutputs(await probeMedia(clip('cut.mp4')), {
      outputs: [{ kind: 'mp4', preset: 'ultrafast' }],
    });
    const outDir = freshOut();
    const error = await transcode(clip('cut.mp4'), plan, outDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'CORRUPT_MEDIA', kind: 'input' });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('kills ffmpeg on abort and leaves neither temp files nor final outputs', async () => {
    const plan = planOutputs(await probeMedia(clip('long.mp4')), { outputs: [{ kind: 'webm', speed: 0 }] });
    const outDir = freshOut();
    const controller = new AbortController();
    const started = Date.now();
    const error = await transcode(clip('long.mp4'), plan, outDir, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('stops at the time budget with a retryable error and cleans up', async () => {
    const plan = planOutputs(await probeMedia(clip('long.mp4')), { outputs: [{ kind: 'webm', speed: 0 }] });
    const outDir = freshOut();
    const error = await transcode(clip('long.mp4'), plan, outDir, { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', kind: 'retryable' });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('encodes rungs separately for the one-decode benchmark', async () => {
    const plan = planOutputs(await probeMedia(clip('portrait.mp4')), {
      outputs: [{ kind: 'hls', ladder: [360, 240], segmentSeconds: 1, preset: 'ultrafast' }],
    });
    const outDir = freshOut();
    const rungs = await separateRungEncodes(clip('portrait.mp4'), plan, outDir);
    expect(rungs.map((r) => r.path)).toEqual(['hls/360p/index.m3u8', 'hls/240p/index.m3u8']);
    expect(videoOf(await ffprobe(join(outDir, 'hls/240p/index.m3u8')))).toMatchObject({
      width: 240,
      height: 426,
    });
    expect(existsSync(join(outDir, 'hls/audio/index.m3u8'))).toBe(true);
  });
});
