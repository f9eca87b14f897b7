import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  averageHashFromLuma,
  bitsToHex,
  differenceHashFromLuma,
  imageHashes,
} from '../../src/media/hash/imagehash.js';
import { pilLuma, pilResizeLanczos } from '../../src/media/hash/pil-resize.js';
import { decodeForHashing } from '../../src/media/hash/raw-image.js';
import { FIXTURE_IMAGES } from '../support/fixtures.js';

/**
 * Reference values from test/reference/imagehash_reference.py: the imagehash 4.3.2 definitions run on
 * Debian's Pillow/NumPy/SciPy, decoding with Pillow (not sharp), written to imagehash-expected.json.
 */
interface Reference {
  pillow: string;
  images: Record<string, { size: [number, number]; ahash: string; dhash: string; phash: string }>;
}
const reference = JSON.parse(
  readFileSync(new URL('../reference/imagehash-expected.json', import.meta.url), 'utf8'),
) as Reference;
const FIXTURES = join(FIXTURE_IMAGES, '..');

describe('aHash / dHash / pHash equal the Python imagehash reference', () => {
  it('covers at least 10 images', () => {
    expect(Object.keys(reference.images).length).toBeGreaterThanOrEqual(10);
  });

  it.each(Object.entries(reference.images))('%s', async (name, expected) => {
    const image = await decodeForHashing(join(FIXTURES, name));
    expect([image.width, image.height]).toEqual(expected.size);
    expect(imageHashes(image)).toEqual({
      ahash: expected.ahash,
      dhash: expected.dhash,
      phash: expected.phash,
    });
  });
});

describe('definitions', () => {
  it('renders bits row-major, first bit most significant', () => {
    const bits = Array.from({ length: 64 }, (_, i) => i === 0 || i === 63);
    expect(bitsToHex(bits)).toBe('8000000000000001');
  });

  it('converts to L with Pillow rounding and keeps grey as is', () => {
    const rgb = {
      data: Uint8Array.from([255, 255, 255, 0, 0, 0, 10, 20, 30]),
      width: 3,
      height: 1,
      channels: 3,
    };
    // 10*19595 + 20*38470 + 30*7471 + 32768 = 1191618 -> >> 16 = 18 (float 0.299/0.587/0.114 gives 18.15)
    expect(Array.from(pilLuma(rgb).data)).toEqual([255, 0, 18]);
    const grey = { data: Uint8Array.from([7, 255, 9, 0]), width: 2, height: 1, channels: 2 };
    expect(Array.from(pilLuma(grey).data)).toEqual([7, 9]);
  });

  it('resizing keeps a flat image flat and an identical size unchanged', () => {
    const flat = { data: new Uint8Array(50 * 40).fill(77), width: 50, height: 40 };
    expect(new Set(pilResizeLanczos(flat, 8, 8).data)).toEqual(new Set([77]));
    expect(new Set(pilResizeLanczos(flat, 90, 7).data)).toEqual(new Set([77]));
    const ramp = { data: Uint8Array.from({ length: 64 }, (_, i) => i * 3), width: 8, height: 8 };
    expect(pilResizeLanczos(ramp, 8, 8).data).toEqual(ramp.data);
  });

  it('aHash thresholds on the mean and dHash compares horizontal neighbours', () => {
    // Left half dark, right half bright: aHash sets the right half, dHash only the edge column.
    const data = new Uint8Array(64 * 64);
    for (let y = 0; y < 64; y++) for (let x = 32; x < 64; x++) data[y * 64 + x] = 255;
    const grey = { data, width: 64, height: 64 };
    expect(averageHashFromLuma(grey)).toBe('0f0f0f0f0f0f0f0f');
    expect(differenceHashFromLuma(grey)).toMatch(/^(..)\1{7}$/);
  });
});
