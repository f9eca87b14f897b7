import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashCommand } from '../../src/cli/hash-command.js';
import { decodeForHashing, hashImage } from '../../src/media/hash/index.js';
import { FIXTURE_IMAGES } from '../support/fixtures.js';

const reference = JSON.parse(
  readFileSync(new URL('../reference/imagehash-expected.json', import.meta.url), 'utf8'),
) as { images: Record<string, { ahash: string; dhash: string; phash: string }> };
const bridge = join(FIXTURE_IMAGES, '..', 'pdq', 'bridge-1-original.jpg');

describe('hash command', () => {
  it('prints one JSON object per file with every hash; a broken file fails the exit code', async () => {
    const expected = reference.images['pdq/bridge-1-original.jpg'];
    const out: string[] = [];
    const err: string[] = [];
    const code = await hashCommand(
      [bridge, join(FIXTURE_IMAGES, 'check-missing.jpg')],
      out.push.bind(out),
      err.push.bind(err),
    );
    expect(code).toBe(1);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] as string)).toEqual({
      file: bridge,
      sha256: createHash('sha256').update(readFileSync(bridge)).digest('hex'),
      pdq: { hash: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22', quality: 100 },
      ahash: expected?.ahash,
      dhash: expected?.dhash,
      phash: expected?.phash,
    });
    expect(JSON.parse(err[0] as string)).toMatchObject({ file: join(FIXTURE_IMAGES, 'check-missing.jpg') });
  });

  it('exits 0 when every file hashes; hashImage without the original omits sha256', async () => {
    const out: string[] = [];
    expect(await hashCommand([bridge], out.push.bind(out))).toBe(0);
    const hashes = hashImage(await decodeForHashing(bridge));
    expect(hashes).not.toHaveProperty('sha256');
    const { file: _file, sha256: _sha, ...rest } = JSON.parse(out[0] as string);
    expect(rest).toEqual(hashes);
  });
});
