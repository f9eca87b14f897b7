/**
 * The transcoder's uploader (src/jobs/video/transcode-uploads.ts) with an in-memory object store: not an
 * adapter test (the S3 path is covered in test/integration/video-jobs.test.ts), but its ordering rules.
 */
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoOutputKey } from '../../src/core/keys.js';
import { outputUploader } from '../../src/jobs/video/transcode-uploads.js';

const TARGET = { tenant: 'acme', jobId: 'job-1' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'transcode-uploads-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Records every PUT; `hold` keeps the next PUTs open until released. */
function memoryStore() {
  const objects = new Map<string, string>();
  const puts: string[] = [];
  let gate: Promise<void> | undefined;
  let open = 0;
  const store = {
    async write(_bucket: string, key: string, body: unknown) {
      puts.push(key);
      open++;
      try {
        if (gate) await gate;
        objects.set(key, Buffer.isBuffer(body) ? body.toString() : 'stream');
      } finally {
        open--;
      }
    },
  };
  return {
    store,
    objects,
    puts,
    get open() {
      return open;
    },
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

async function folder(name: string, files: Record<string, string>) {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const key = (path: string) => videoOutputKey(TARGET.tenant, TARGET.jobId, path);
const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe('outputUploader', () => {
  it('skips in the final pass what went up early unchanged, and sends again what changed', async () => {
    const work = await folder('changed', {
      'hls/a/segment-00000.m4s': 'one',
      'hls/a/segment-00001.m4s': 'two',
    });
    const memory = memoryStore();
    const uploads = outputUploader({ objects: memory.store, outputsBucket: 'out' }, TARGET, join(dir, 'x'));
    for (const path of ['hls/a/segment-00000.m4s', 'hls/a/segment-00001.m4s'])
      uploads.early({ path, absolutePath: join(work, path) });
    await until(() => memory.puts.length === 2 && memory.open === 0);
    // The second file is rewritten after its early PUT (different size and time).
    await writeFile(join(work, 'hls/a/segment-00001.m4s'), 'two, longer');
    await utimes(join(work, 'hls/a/segment-00001.m4s'), new Date(), new Date(Date.now() + 5000));
    await writeFile(join(work, 'hls/a/index.m3u8'), '#EXTM3U');
    const done: number[] = [];
    await uploads.finish(
      work,
      ['hls/a/index.m3u8', 'hls/a/segment-00000.m4s', 'hls/a/segment-00001.m4s'],
      (n) => done.push(n),
    );
    expect(uploads.counts).toEqual({ early: 2, final: 2, resent: 1 });
    expect(done).toEqual([1, 2, 3]);
    expect(memory.puts.filter((k) => k === key('hls/a/segment-00000.m4s'))).toHaveLength(1);
    expect(memory.objects.get(key('hls/a/segment-00001.m4s'))).toBe('two, longer');
    expect(memory.objects.get(key('hls/a/index.m3u8'))).toBe('#EXTM3U');
  });

  it('finds a queued segment where the transcode moved it', async () => {
    const work = await folder('moved-work', { 'hls/a/segment-00000.m4s': 'seg' });
    const finalDir = join(dir, 'moved-final');
    const memory = memoryStore();
    const release = memory.hold();
    const uploads = outputUploader(
      { objects: memory.store, outputsBucket: 'out', uploadConcurrency: 1 },
      TARGET,
      finalDir,
    );
    // The first PUT holds the only slot, so the segment waits in the queue while its folder moves.
    await writeFile(join(work, 'blocker-00000.m4s'), 'b');
    uploads.early({ path: 'blocker-00000.m4s', absolutePath: join(work, 'blocker-00000.m4s') });
    uploads.early({ path: 'hls/a/segment-00000.m4s', absolutePath: join(work, 'hls/a/segment-00000.m4s') });
    await until(() => memory.open === 1);
    await rename(work, finalDir);
    release();
    await until(() => memory.objects.has(key('hls/a/segment-00000.m4s')));
    expect(memory.objects.get(key('hls/a/segment-00000.m4s'))).toBe('seg');
    await uploads.finish(finalDir, ['hls/a/segment-00000.m4s'], () => {});
    expect(uploads.counts).toMatchObject({ early: 2, final: 0, resent: 0 });
  });

  it('finish lets queued early segments go first, so none is sent twice', async () => {
    const work = await folder('queued', { 'q-00000.m4s': 'a', 'q-00001.m4s': 'b', 'q-00002.m4s': 'c' });
    const memory = memoryStore();
    const release = memory.hold();
    const uploads = outputUploader(
      { objects: memory.store, outputsBucket: 'out', uploadConcurrency: 1 },
      TARGET,
      work,
    );
    const files = ['q-00000.m4s', 'q-00001.m4s', 'q-00002.m4s'];
    for (const path of files) uploads.early({ path, absolutePath: join(work, path) });
    await until(() => memory.open === 1);
    const finishing = uploads.finish(work, files, () => {});
    release();
    await finishing;
    expect([...memory.puts].sort()).toEqual(files.map(key));
    expect(uploads.counts).toEqual({ early: 3, final: 0, resent: 0 });
  });

  it('stop() returns only after the PUT in flight has ended, and nothing queued starts after it', async () => {
    const work = await folder('stop', { 's-00000.m4s': 'a', 's-00001.m4s': 'b' });
    const memory = memoryStore();
    const release = memory.hold();
    const uploads = outputUploader(
      { objects: memory.store, outputsBucket: 'out', uploadConcurrency: 1 },
      TARGET,
      join(dir, 'unused'),
    );
    uploads.early({ path: 's-00000.m4s', absolutePath: join(work, 's-00000.m4s') });
    uploads.early({ path: 's-00001.m4s', absolutePath: join(work, 's-00001.m4s') });
    await until(() => memory.open === 1);
    let stopped = false;
    const stopping = uploads.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(memory.open).toBe(0);
    expect(memory.puts).toEqual([key('s-00000.m4s')]);
    expect(uploads.wrote).toBe(true);
  });

  it('throws from the final pass when a PUT fails, after every PUT has ended', async () => {
    const work = await folder('fails', { 'poster.jpg': 'p', 'video.mp4': 'v' });
    const store = {
      async write(_bucket: string, written: string) {
        if (written.endsWith('poster.jpg')) throw new Error('S3 said no');
      },
    };
    const uploads = outputUploader({ objects: store, outputsBucket: 'out' }, TARGET, work);
    await expect(uploads.finish(work, ['poster.jpg', 'video.mp4'], () => {})).rejects.toThrow('S3 said no');
  });
});
