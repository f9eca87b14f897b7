/**
 * Segments reported while ffmpeg encodes (for uploads during the encode): the naming rule on a folder
 * the test writes, then real HLS and DASH encodes, where every reported segment's bytes at report time
 * must equal the final file's (the muxers close a segment before they open the next).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planOutputs, probeMedia, transcode } from '../../src/media/video/index.js';
import { type FinishedSegment, watchFinishedSegments } from '../../src/media/video/segment-watch.js';
import { renderClip } from '../support/video-clips.js';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segment-watch-'));
  clip = join(dir, 'clip.mp4');
  await renderClip(clip, { width: 640, height: 360, seconds: 6, fps: 25 });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

describe('watchFinishedSegments', () => {
  it('reports a numbered segment once a later one of its series exists, and nothing else', async () => {
    const root = await mkdtemp(join(dir, 'names-'));
    await mkdir(join(root, 'hls', '720p'), { recursive: true });
    await mkdir(join(root, 'dash'), { recursive: true });
    const reported: string[] = [];
    const watcher = watchFinishedSegments(root, (segment) => reported.push(segment.path), {
      intervalMs: 10,
    });
    const touch = (...paths: string[]) => Promise.all(paths.map((path) => writeFile(join(root, path), 'x')));
    // Never reported: init segments (short numbers), playlists, a lone segment, other series' numbers.
    await touch('hls/720p/init.mp4', 'hls/720p/index.m3u8', 'hls/720p/segment-00000.m4s');
    await touch('dash/init-0.m4s', 'dash/init-1.m4s', 'dash/chunk-0-00001.m4s', 'dash/chunk-1-00001.m4s');
    await touch('dash/chunk-0-00001.m4s.tmp', 'dash/chunk-0-00002.m4s.tmp');
    // A segment of the same series finishes the one before it; waiting for that proves polls ran.
    await touch('hls/720p/segment-00001.m4s');
    await vi.waitFor(() => expect(reported).toContain('hls/720p/segment-00000.m4s'), { timeout: 5000 });
    expect(reported).toEqual(['hls/720p/segment-00000.m4s']);

    await touch('dash/chunk-0-00002.m4s');
    await vi.waitFor(() => expect(reported).toHaveLength(2), { timeout: 5000 });
    expect(reported).toEqual(['hls/720p/segment-00000.m4s', 'dash/chunk-0-00001.m4s']);

    // ffmpeg exited: the last segment of every series is complete too; still no init, playlist or .tmp.
    await watcher.stop({ writerExited: true });
    expect([...reported].sort()).toEqual([
      'dash/chunk-0-00001.m4s',
      'dash/chunk-0-00002.m4s',
      'dash/chunk-1-00001.m4s',
      'hls/720p/segment-00000.m4s',
      'hls/720p/segment-00001.m4s',
    ]);
    await touch('hls/720p/segment-00002.m4s');
    await settle();
    expect(reported).toHaveLength(5);
  });

  it('on real HLS and DASH encodes, each reported segment is already its final bytes', async () => {
    const probe = await probeMedia(clip);
    const plan = planOutputs(probe, {
      outputs: [
        { kind: 'hls', segmentSeconds: 1, ladder: [360, 240] },
        { kind: 'dash', segmentSeconds: 1, ladder: [360] },
      ],
    });
    const seen = new Map<string, string>();
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const outDir = join(dir, 'out');
    const result = await transcode(clip, plan, outDir, {
      segmentPollMs: 20,
      onSegmentFinished: (segment: FinishedSegment) => {
        // Read at once, as an uploader would: what it would have sent.
        seen.set(segment.path, sha256(readFileSync(segment.absolutePath)));
      },
    });
    const segments = result.files.filter((file) => /\d{5}\.m4s$/.test(file));
    // 6 s in 1 s segments: 2 HLS rungs + audio, 1 DASH video + audio, each with ~6 segments. Every one is
    // reported before transcode returns: during the encode, or (the last ones) as soon as ffmpeg exited.
    expect(segments.length).toBeGreaterThanOrEqual(25);
    expect([...seen.keys()].sort()).toEqual([...segments].sort());
    for (const [path, hash] of seen) {
      expect(result.files).toContain(path);
      expect(sha256(await readFile(join(outDir, path))), path).toBe(hash);
    }
  }, 120_000);
});
