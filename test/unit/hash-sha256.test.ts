import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256Tap } from '../../src/media/hash/sha256.js';
import { FIXTURE_IMAGES } from '../support/fixtures.js';

const file = join(FIXTURE_IMAGES, '..', 'pdq', 'bridge-1-original.jpg');

function collect(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

describe('sha256Tap', () => {
  it('hashes the bytes while passing them through unchanged, in one read', async () => {
    const expected = createHash('sha256').update(readFileSync(file)).digest('hex');
    let reads = 0;
    const source = createReadStream(file, { highWaterMark: 16 * 1024 });
    source.on('data', () => reads++);
    const tap = sha256Tap();
    const { sink, bytes } = collect();
    await pipeline(source, tap, sink);
    const result = await tap.result;
    expect(result).toEqual({ sha256: expected, bytes: readFileSync(file).length });
    expect(bytes().equals(readFileSync(file))).toBe(true);
    expect(reads).toBeGreaterThan(1); // streamed in chunks, not buffered whole
    expect(sha256Hex(readFileSync(file))).toBe(expected);
  });

  it('hashes an empty stream to the SHA-256 of nothing', async () => {
    const tap = sha256Tap();
    await pipeline(Readable.from([]), tap, new PassThrough().resume());
    expect((await tap.result).sha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('rejects the result when the source fails before its end', async () => {
    const tap = sha256Tap();
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(pipeline(failing, tap, new PassThrough().resume())).rejects.toThrow('connection reset');
    await expect(tap.result).rejects.toThrow();
  });
});
