import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/core/errors.js';
import { buildFfmpegJobs, videoGraph } from '../../src/media/video/ffmpeg-args.js';
import { targetFrameRate } from '../../src/media/video/frame-rate.js';
import {
  chooseRungs,
  DEFAULT_LADDER,
  scaleToShortSide,
  videoBitrateKbps,
} from '../../src/media/video/ladder.js';
import { type PlannedOutput, planOutputs } from '../../src/media/video/plan.js';
import type { MediaProbe, VideoStreamInfo } from '../../src/media/video/probe.js';
import { spriteVtt } from '../../src/media/video/sprite-vtt.js';

function probeOf(video: Partial<VideoStreamInfo> | undefined, audio = true): MediaProbe {
  const width = video?.width ?? 1920;
  const height = video?.height ?? 1080;
  const rotation = video?.rotation ?? 0;
  const turned = rotation === 90 || rotation === 270;
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    demuxer: 'mov',
    durationSeconds: 10,
    sizeBytes: 1_000_000,
    video: video && {
      index: 0,
      codec: 'h264',
      width,
      height,
      rotation,
      displayWidth: turned ? height : width,
      displayHeight: turned ? width : height,
      avgFrameRate: 30,
      rFrameRate: 30,
      bitDepth: 8,
      variableFrameRate: false,
      ...video,
    },
    audio: audio ? [{ index: video ? 1 : 0, codec: 'aac', channels: 6, sampleRate: 48000 }] : [],
    streams: { total: 2, video: video ? 1 : 0, audio: audio ? 1 : 0, subtitle: 0, other: 0 },
  };
}

const byKind = <K extends PlannedOutput['kind']>(outputs: PlannedOutput[], kind: K) =>
  outputs.find((o): o is Extract<PlannedOutput, { kind: K }> => o.kind === kind);

function inputErrorOf(run: () => unknown): PipelineError {
  try {
    run();
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  }
  throw new Error('expected a PipelineError');
}

describe('ladder sizes', () => {
  it('keeps the aspect ratio, rounds to even and never upscales', () => {
    expect(scaleToShortSide({ width: 1280, height: 720 }, 480)).toEqual({ width: 854, height: 480 });
    expect(scaleToShortSide({ width: 641, height: 359 }, 1080)).toEqual({ width: 640, height: 358 });
    expect(scaleToShortSide({ width: 360, height: 640 }, 1080)).toEqual({ width: 360, height: 640 });
    expect(scaleToShortSide({ width: 1080, height: 1920 }, 720)).toEqual({ width: 720, height: 1280 });
  });

  it('takes the default rungs up to the source, by the shorter side for portrait', () => {
    expect(chooseRungs({ width: 1280, height: 720 }, DEFAULT_LADDER, 1080)).toEqual([
      { width: 1280, height: 720 },
      { width: 854, height: 480 },
      { width: 640, height: 360 },
    ]);
    expect(chooseRungs({ width: 1080, height: 1920 }, DEFAULT_LADDER, 1080).map((s) => s.width)).toEqual([
      1080, 720, 480, 360,
    ]);
  });

  it('gives a source below every rung one rung at its own (even) size', () => {
    expect(chooseRungs({ width: 321, height: 241 }, DEFAULT_LADDER, 1080)).toEqual([
      { width: 320, height: 240 },
    ]);
  });

  it('scales bitrates with pixels and frame rate', () => {
    expect(videoBitrateKbps({ width: 1920, height: 1080 }, 30)).toBe(5000);
    expect(videoBitrateKbps({ width: 1280, height: 720 }, 30)).toBeGreaterThan(2500);
    expect(videoBitrateKbps({ width: 1280, height: 720 }, 60)).toBeGreaterThan(
      videoBitrateKbps({ width: 1280, height: 720 }, 30),
    );
  });

  it('snaps frame rates to exact standard rationals and caps them', () => {
    expect(targetFrameRate(29.97, 60).text).toBe('30000/1001');
    expect(targetFrameRate(240, 60).text).toBe('60/1');
    expect(targetFrameRate(undefined, 60).text).toBe('30/1');
    expect(targetFrameRate(12.5, 60).text).toBe('12500/1000');
  });
});

describe('planOutputs', () => {
  it('resolves the web preset for a portrait phone clip to portrait outputs', () => {
    const plan = planOutputs(probeOf({ width: 1920, height: 1080, rotation: 90 }), { preset: 'web' });
    expect(plan.outputs.map((o) => o.path)).toEqual(['video.mp4', 'video.webm', 'poster.jpg', 'thumbnails']);
    expect(byKind(plan.outputs, 'mp4')).toMatchObject({ width: 1080, height: 1920, audio: { channels: 2 } });
    expect(byKind(plan.outputs, 'poster')).toMatchObject({ atSeconds: 1 });
    expect(byKind(plan.outputs, 'thumbnails')?.times).toEqual([1, 3, 5, 7, 9]);
  });

  it('builds the hls preset ladder from the source and caps fps', () => {
    const plan = planOutputs(probeOf({ width: 1280, height: 720, avgFrameRate: 120 }), {
      preset: 'hls',
      maxFps: 60,
    });
    const hls = byKind(plan.outputs, 'hls');
    expect(hls?.rungs.map((r) => r.name)).toEqual(['720p', '480p', '360p']);
    expect(plan.frameRate?.text).toBe('60/1');
  });

  it('gives audio-only inputs audio renditions for presets', () => {
    const plan = planOutputs(probeOf(undefined), { preset: 'web' });
    expect(plan.outputs.map((o) => o.path)).toEqual(['audio.m4a', 'audio.webm']);
    expect(plan.frameRate).toBeUndefined();
  });

  it('refuses explicit video outputs for audio-only inputs, and audio outputs for silent video', () => {
    const noVideo = inputErrorOf(() => planOutputs(probeOf(undefined), { outputs: [{ kind: 'mp4' }] }));
    expect(noVideo).toMatchObject({ code: 'INVALID_REQUEST', kind: 'input' });
    expect(noVideo.message).toMatch(/needs a video stream/);
    const noAudio = inputErrorOf(() => planOutputs(probeOf({}, false), { outputs: [{ kind: 'audio' }] }));
    expect(noAudio.message).toMatch(/needs an audio stream/);
  });

  it('refuses invalid specs and two outputs writing the same path', () => {
    expect(inputErrorOf(() => planOutputs(probeOf({}), { outputs: [{ kind: 'mp4', crf: 99 }] })).code).toBe(
      'INVALID_REQUEST',
    );
    expect(
      inputErrorOf(() => planOutputs(probeOf({}), { outputs: [{ kind: 'mp4', name: '../x' }] })).code,
    ).toBe('INVALID_REQUEST');
    const twice = inputErrorOf(() =>
      planOutputs(probeOf({}), { outputs: [{ kind: 'mp4' }, { kind: 'mp4' }] }),
    );
    expect(twice.message).toMatch(/video\.mp4/);
  });
});

describe('ffmpeg arguments', () => {
  const plan = planOutputs(probeOf({ width: 1280, height: 720 }), {
    outputs: [{ kind: 'hls', segmentSeconds: 2 }, { kind: 'mp4', maxHeight: 480 }, { kind: 'poster' }],
  });
  const [encode, stills] = buildFfmpegJobs(plan, '/in/upload', '/work');

  it('restricts every input: local protocols, allowed demuxers, the probed demuxer forced', () => {
    for (const job of [encode, stills]) {
      const args = job?.args ?? [];
      expect(args.slice(0, 2)).toEqual(['-nostdin', '-hide_banner']);
      expect(args).toEqual(expect.arrayContaining(['-progress', 'pipe:1', '-nostats']));
      const input = args.indexOf('-i');
      expect(args.slice(input - 6, input + 2)).toEqual([
        '-protocol_whitelist',
        'file,pipe',
        '-format_whitelist',
        'mov,matroska,avi,mpegts,flv,ogg,wav,mp3,aac,flac',
        '-f',
        'mov',
        '-i',
        'file:/in/upload',
      ]);
    }
  });

  it('decodes once and splits into every rung and the mp4, with aligned keyframes', () => {
    const args = encode?.args ?? [];
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    const graph = args[args.indexOf('-filter_complex') + 1];
    expect(graph).toBe(
      videoGraph(plan, [...(byKind(plan.outputs, 'hls')?.rungs ?? []), { width: 854, height: 480 }]),
    );
    // Cascaded: 720p from the source, 480p from 720p, the 480p mp4 shares that scale, 360p from 480p.
    const scaled = (size: string) => `scale=${size}:flags=bicubic,setsar=1,format=yuv420p`;
    expect(graph).toBe(
      [
        '[0:0]fps=30/1[r0]',
        `[r0]${scaled('1280:720')},split=2[v0][c0_1]`,
        `[c0_1]${scaled('854:480')},split=2[v1][c1_3]`,
        `[c3_2]${scaled('640:360')}[v2]`,
        '[c1_3]null,split=2[v3][c3_2]',
      ].join(';'),
    );
    expect(graph?.match(/scale=/g)).toHaveLength(3);
    expect(args).toEqual(
      expect.arrayContaining(['-force_key_frames', 'expr:gte(t,n_forced*2)', '-sc_threshold', '0']),
    );
    expect(args[args.indexOf('-var_stream_map') + 1]).toBe(
      'v:0,agroup:audio,name:720p v:1,agroup:audio,name:480p v:2,agroup:audio,name:360p a:0,agroup:audio,name:audio',
    );
    expect(args).toEqual(expect.arrayContaining(['-map_metadata', '-1', '-movflags', '+faststart']));
  });

  it('seeks the poster input to 10% of the duration', () => {
    const args = stills?.args ?? [];
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 2)).toEqual(['-ss', '1.000']);
    expect(args).toEqual(expect.arrayContaining(['-frames:v', '1', '/work/poster.jpg']));
  });
});

describe('sprite WebVTT', () => {
  it('maps each slice of the clip to its tile', () => {
    const plan = planOutputs(probeOf({ width: 1280, height: 720 }), {
      outputs: [{ kind: 'thumbnails', count: 3, width: 160, height: 90, sprite: true, spriteColumns: 2 }],
    });
    const thumbnails = byKind(plan.outputs, 'thumbnails');
    if (!thumbnails) throw new Error('no thumbnails planned');
    expect(spriteVtt(thumbnails, 10, 3)).toBe(
      [
        'WEBVTT',
        '',
        '00:00:00.000 --> 00:00:03.333',
        'sprite.jpg#xywh=0,0,160,90',
        '',
        '00:00:03.333 --> 00:00:06.667',
        'sprite.jpg#xywh=160,0,160,90',
        '',
        '00:00:06.667 --> 00:00:10.000',
        'sprite.jpg#xywh=0,90,160,90',
        '',
      ].join('\n'),
    );
  });
});
