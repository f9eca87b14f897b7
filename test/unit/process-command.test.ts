import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processCommand } from '../../src/cli/process-command.js';
import { fixturePath, readFixture } from '../support/fixtures.js';
import { renderClip } from '../support/video-clips.js';

let dir: string;
const lines: string[] = [];
const log = (line: string) => lines.push(line);
const result = (name: string) => JSON.parse(readFileSync(join(dir, 'out', `${name}.result.json`), 'utf8'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'process-command-'));
  lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('process command (local pipeline, no stack)', () => {
  it('writes every preset output and a result.json per input; exit 0 when all succeed', async () => {
    const code = await processCommand([fixturePath('320x240.jpg'), fixturePath('animated-loop-3.gif')], {
      preset: 'thumbnail',
      out: join(dir, 'out'),
      log,
    });
    expect(code).toBe(0);
    const jpeg = result('320x240');
    expect(jpeg).toMatchObject({
      status: 'COMPLETED',
      source: { format: 'jpeg', width: 320, height: 240 },
      placeholder: { thumbhash: expect.any(String) },
    });
    expect(jpeg.outputs.map((o: { name: string }) => o.name)).toEqual(['thumb', 'thumb-webp']);
    for (const output of jpeg.outputs) {
      const meta = await sharp(join(dir, 'out', output.file)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([output.width, output.height, output.format]);
      expect(readFileSync(join(dir, 'out', output.file)).length).toBe(output.bytes);
    }
    expect(result('animated-loop-3').outputs[1]).toMatchObject({ format: 'webp', frames: 10 });
    expect(lines).toHaveLength(2);
  });

  it('records the error code and message of a failed input, carries on, and exits 1', async () => {
    const broken = join(dir, 'broken.jpg');
    writeFileSync(broken, readFixture('320x240.jpg').subarray(0, 700));
    const code = await processCommand(
      [broken, fixturePath('check.svg'), join(dir, 'missing.png'), fixturePath('with-alpha.png')],
      { spec: '{"name":"small","format":"png","width":32}', out: join(dir, 'out'), log },
    );
    expect(code).toBe(1);
    expect(result('broken')).toMatchObject({
      status: 'FAILED',
      error: {
        code: 'CORRUPT_MEDIA',
        retryable: false,
        message: expect.stringContaining('could not be decoded'),
      },
    });
    expect(result('check').error.code).toBe('SVG_NOT_ALLOWED');
    expect(result('missing').error.code).toBe('SOURCE_NOT_FOUND');
    expect(result('with-alpha')).toMatchObject({
      status: 'COMPLETED',
      outputs: [{ name: 'small', width: 32, height: 24 }],
    });
    expect(existsSync(join(dir, 'out', 'with-alpha.small.png'))).toBe(true);
    expect(lines.filter((line) => line.includes('FAILED'))).toHaveLength(3);
  });

  it('accepts --spec as an array or {specs}, refuses bad specs and --preset with --spec (exit 2, nothing written)', async () => {
    const out = join(dir, 'out');
    const array =
      '[{"name":"a","format":"jpeg","width":50},{"name":"b","format":"avif","width":40,"effort":0}]';
    expect(await processCommand([fixturePath('320x240.jpg')], { spec: array, out, log })).toBe(0);
    expect(result('320x240').outputs.map((o: { file: string }) => o.file)).toEqual([
      '320x240.a.jpg',
      '320x240.b.avif',
    ]);

    const bad = join(dir, 'bad');
    expect(
      await processCommand([fixturePath('320x240.jpg')], {
        spec: '{"specs":[{"name":"a","format":"webp","effort":9}]}',
        out: bad,
        log,
      }),
    ).toBe(2);
    expect(lines.at(-1)).toContain('specs.0.effort: effort for webp is 0-6');
    expect(await processCommand([fixturePath('320x240.jpg')], { spec: 'nope', out: bad, log })).toBe(2);
    expect(
      await processCommand([fixturePath('320x240.jpg')], { preset: 'web', spec: array, out: bad, log }),
    ).toBe(2);
    expect(await processCommand([fixturePath('320x240.jpg')], { preset: 'huge', out: bad, log })).toBe(2);
    expect(existsSync(bad)).toBe(false);
  });

  it('names outputs of same-named inputs apart, and applies the metadata policy', async () => {
    const other = join(dir, 'x');
    writeFileSync(join(dir, 'Landscape_1.jpg'), readFixture('Landscape_6.jpg'));
    const code = await processCommand([fixturePath('Landscape_1.jpg'), join(dir, 'Landscape_1.jpg')], {
      preset: 'thumbnail',
      metadata: 'selective',
      out: other,
      log,
    });
    expect(code).toBe(0);
    expect(
      readdirSync(other)
        .filter((f) => f.endsWith('.result.json'))
        .sort(),
    ).toEqual(['Landscape_1-2.result.json', 'Landscape_1.result.json']);
    const meta = await sharp(join(other, 'Landscape_1-2.thumb.jpg')).metadata();
    expect(meta.icc).toBeDefined(); // selective attaches the sRGB profile; strip would not
  });
});

describe('process command on video and audio (the transcoder code)', () => {
  it('transcodes a clip with the mobile preset, refuses a playlist named .mp4, and exits 1', async () => {
    const clip = join(dir, 'clip.mp4');
    await renderClip(clip, { width: 320, height: 180, seconds: 1 });
    const playlist = join(dir, 'trap.mp4');
    writeFileSync(
      playlist,
      '#EXTM3U\n#EXTINF:1,\nhttp://169.254.169.254/latest/meta-data/\nfile:///etc/passwd\n',
    );
    const code = await processCommand([clip, playlist], { preset: 'mobile', out: join(dir, 'out'), log });
    expect(code).toBe(1);
    const ok = result('clip');
    expect(ok.status).toBe('COMPLETED');
    const mp4 = ok.outputs.find((o: { kind: string }) => o.kind === 'mp4');
    expect(mp4).toMatchObject({ codec: 'h264', width: 320, height: 180 });
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', join(dir, 'out', mp4.file)], {
        encoding: 'utf8',
      }),
    );
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(result('trap')).toMatchObject({ status: 'FAILED', error: { code: 'PLAYLIST_NOT_ALLOWED' } });
  });

  it('renders audio-only input to audio renditions and refuses an image preset for video', async () => {
    const audio = join(dir, 'tone.m4a');
    await renderClip(audio, { audioOnly: true, seconds: 1 });
    expect(await processCommand([audio], { preset: 'web', out: join(dir, 'out'), log })).toBe(0);
    expect(result('tone').outputs.map((o: { kind: string }) => o.kind)).toContain('audio');
    expect(await processCommand([audio], { preset: 'thumbnail', out: join(dir, 'out'), log })).toBe(1);
    expect(result('tone').error.code).toBe('INVALID_REQUEST');
  });
});
