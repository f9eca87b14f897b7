import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/core/errors.js';
import {
  DEFAULT_VIDEO_LIMITS,
  type FfprobeOutput,
  probeMedia,
  runFfprobe,
  summarize,
} from '../../src/media/video/probe.js';
import { CASE_CLIPS, type ClipOptions, renderClip } from '../support/video-clips.js';

let dir: string;
const clip = (name: string) => join(dir, name);

const CLIPS: Record<string, ClipOptions> = CASE_CLIPS;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'video-probe-'));
  await Promise.all(Object.entries(CLIPS).map(([name, options]) => renderClip(clip(name), options)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<PipelineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof PipelineError) return error;
  throw new Error(`expected a PipelineError, got ${String(error)}`);
}

/** Runs `work` with a FFPROBE_PATH that cannot run: a rejection that names the input proves ffprobe never ran. */
async function withoutFfprobe<T>(work: () => Promise<T>): Promise<T> {
  const previous = process.env.FFPROBE_PATH;
  process.env.FFPROBE_PATH = '/nonexistent/ffprobe';
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.FFPROBE_PATH;
    else process.env.FFPROBE_PATH = previous;
  }
}

describe('probeMedia', () => {
  it('summarises a landscape H.264/AAC clip', async () => {
    const probe = await probeMedia(clip('landscape.mp4'));
    expect(probe).toMatchObject({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', demuxer: 'mov' });
    expect(probe.durationSeconds).toBeCloseTo(2, 1);
    expect(probe.video).toMatchObject({
      codec: 'h264',
      width: 1280,
      height: 720,
      rotation: 0,
      displayWidth: 1280,
      displayHeight: 720,
      avgFrameRate: 25,
      rFrameRate: 25,
      pixFmt: 'yuv420p',
      bitDepth: 8,
      variableFrameRate: false,
    });
    expect(probe.audio).toEqual([{ index: 1, codec: 'aac', channels: 1, sampleRate: 48000 }]);
    expect(probe.streams).toEqual({ total: 2, video: 1, audio: 1, subtitle: 0, other: 0 });
  });

  it('reads the display rotation and swaps the display size of a portrait clip', async () => {
    const probe = await probeMedia(clip('portrait.mp4'));
    expect(probe.video).toMatchObject({
      width: 640,
      height: 360,
      rotation: 90,
      displayWidth: 360,
      displayHeight: 640,
    });
  });

  it('reports odd dimensions, 10-bit HEVC in Matroska, VFR, silent and audio-only inputs', async () => {
    expect((await probeMedia(clip('odd.mp4'))).video).toMatchObject({
      width: 641,
      height: 359,
      pixFmt: 'yuv444p',
    });
    const hevc = await probeMedia(clip('hevc10.mkv'));
    expect(hevc).toMatchObject({
      demuxer: 'matroska',
      video: { codec: 'hevc', bitDepth: 10, pixFmt: 'yuv420p10le' },
    });
    const vfr = await probeMedia(clip('vfr.mp4'));
    expect(vfr.video?.variableFrameRate).toBe(true);
    expect(vfr.video?.avgFrameRate).toBeLessThan(25);
    expect((await probeMedia(clip('silent.mp4'))).audio).toEqual([]);
    const tone = await probeMedia(clip('tone.m4a'));
    expect(tone.video).toBeUndefined();
    expect(tone.audio[0]).toMatchObject({ codec: 'aac', sampleRate: 48000 });
  });

  it('refuses truncated, empty and garbage files as terminal input errors', async () => {
    const whole = await readFile(clip('landscape.mp4'));
    await writeFile(clip('truncated.mp4'), whole.subarray(0, whole.length / 2));
    await writeFile(clip('empty.mp4'), '');
    await writeFile(clip('garbage.mp4'), Buffer.concat([Buffer.from([0, 1, 2, 3]), randomBytes(64 * 1024)]));
    expect(await failure(probeMedia(clip('truncated.mp4')))).toMatchObject({
      code: 'CORRUPT_MEDIA',
      kind: 'input',
    });
    expect(await failure(probeMedia(clip('empty.mp4')))).toMatchObject({
      code: 'EMPTY_OBJECT',
      kind: 'input',
    });
    expect(await failure(probeMedia(clip('garbage.mp4')))).toMatchObject({
      code: 'CORRUPT_MEDIA',
      kind: 'input',
    });
  });

  it('refuses an image posing as a video', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await writeFile(clip('image.mp4'), Buffer.concat([png, randomBytes(256)]));
    expect(await failure(probeMedia(clip('image.mp4')))).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it.each([
    ['duration', { maxDurationSeconds: 1 }, /duration 2\.0 s/],
    ['dimensions', { maxWidth: 1024, maxHeight: 576 }, /1280x720 exceeds/],
    ['pixels', { maxPixels: 640 * 360 }, /more than 230400 pixels/],
    ['frame rate', { maxFps: 24 }, /25\.00 fps/],
    ['stream count', { maxStreams: 1 }, /2 streams/],
  ])('enforces the %s limit', async (_, limits, message) => {
    const error = await failure(probeMedia(clip('landscape.mp4'), { ...DEFAULT_VIDEO_LIMITS, ...limits }));
    expect(error).toMatchObject({ code: 'MEDIA_LIMIT_EXCEEDED', kind: 'input' });
    expect(error.message).toMatch(message);
  });

  it('applies width/height limits to the longer/shorter side, so portrait 360x640 passes a 640x360 limit', async () => {
    const limits = { ...DEFAULT_VIDEO_LIMITS, maxWidth: 640, maxHeight: 360 };
    await expect(probeMedia(clip('portrait.mp4'), limits)).resolves.toBeDefined();
  });
});

describe('ffprobe JSON summary', () => {
  const video = (extra: Partial<FfprobeOutput['streams'][number]>) => ({
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    width: 1920,
    height: 1080,
    avg_frame_rate: '30000/1001',
    r_frame_rate: '30000/1001',
    ...extra,
  });
  const summary = (streams: FfprobeOutput['streams']) =>
    summarize({ format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '5.0' }, streams }, 1000);

  it('reads the display matrix counter-clockwise and the legacy rotate tag clockwise', () => {
    const matrix = summary([
      video({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }),
    ]);
    expect(matrix.video).toMatchObject({ rotation: 90, displayWidth: 1080, displayHeight: 1920 });
    expect(summary([video({ tags: { rotate: '270' } })]).video?.rotation).toBe(270);
    expect(
      summary([video({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }] })]).video,
    ).toMatchObject({
      rotation: 180,
      displayWidth: 1920,
    });
  });

  it('applies the sample aspect ratio, ignores cover art and flags VFR', () => {
    const anamorphic = summary([video({ width: 1440, sample_aspect_ratio: '4:3', r_frame_rate: '60/1' })]);
    expect(anamorphic.video).toMatchObject({
      displayWidth: 1920,
      displayHeight: 1080,
      variableFrameRate: true,
    });
    const song = summary([
      { index: 0, codec_type: 'audio', codec_name: 'mp3', channels: 2, sample_rate: '44100' },
      video({ index: 1, codec_name: 'mjpeg', disposition: { attached_pic: 1 } }),
    ]);
    expect(song.video).toBeUndefined();
    expect(song.streams).toMatchObject({ video: 1, audio: 1 });
  });

  it('refuses containers without audio or video and demuxers outside the allowlist', () => {
    const dataOnly = () => summary([{ index: 0, codec_type: 'data' }]);
    expect(dataOnly).toThrow(expect.objectContaining({ code: 'NOT_MEDIA' }));
    const hls = () => summarize({ format: { format_name: 'hls', duration: '4' }, streams: [video({})] }, 10);
    expect(hls).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });
});

describe('playlists and scripts posing as video', () => {
  let server: Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const playlist = () =>
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:2',
      '#EXTINF:2,',
      `http://127.0.0.1:${port}/segment0.ts`,
      '#EXTINF:2,',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      '#EXTINF:2,',
      'file:///etc/passwd',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');

  it('refuses an HLS playlist named .mp4 before ffprobe runs, with no connection made', async () => {
    await writeFile(clip('playlist.mp4'), playlist());
    const error = await withoutFfprobe(() => failure(probeMedia(clip('playlist.mp4'))));
    expect(error).toMatchObject({ code: 'PLAYLIST_NOT_ALLOWED', kind: 'input' });
    expect(error.message).toMatch(/HLS/);
    expect(connections).toBe(0);
  });

  it.each([
    ['ffconcat', `ffconcat version 1.0\nfile 'http://127.0.0.1:PORT/a.mp4'\nfile '/etc/passwd'\n`, /concat/],
    ['concat without header', `file 'file:///etc/passwd'\n`, /concat/],
    ['SDP', `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nm=video PORT RTP/AVP 96\n`, /SDP/],
    ['plain text', 'hello, this is not a video\n', /text file/],
    ['UTF-8 BOM playlist', `\uFEFF#EXTM3U\nhttp://127.0.0.1:PORT/x.ts\n`, /HLS/],
  ])('refuses %s', async (_, text, message) => {
    await writeFile(clip('script.mp4'), text.replaceAll('PORT', String(port)));
    const error = await withoutFfprobe(() => failure(probeMedia(clip('script.mp4'))));
    expect(error).toMatchObject({ code: 'PLAYLIST_NOT_ALLOWED' });
    expect(error.message).toMatch(message);
    expect(connections).toBe(0);
  });

  it('still refuses the playlist if the byte check were bypassed (demuxer whitelist), with no connection', async () => {
    await writeFile(clip('playlist.mp4'), playlist());
    const error = await failure(runFfprobe(clip('playlist.mp4')));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', kind: 'input' });
    expect(connections).toBe(0);
  });
});
