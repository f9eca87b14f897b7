import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  DIHEDRAL_NAMES,
  type Dihedral,
  pdqDihedralHashes,
  pdqHash,
  ZERO_PDQ,
} from '../../src/media/hash/pdq.js';
import { decodeForHashing, type RawImage } from '../../src/media/hash/raw-image.js';
import { hammingHex } from '../../src/similarity/hash256.js';
import { MIN_MATCH_QUALITY } from '../../src/similarity/near-duplicates.js';
import { FIXTURE_IMAGES, fixturePath } from '../support/fixtures.js';

type Pipeline = ReturnType<typeof sharp>;
const pdqFixture = (name: string) => join(FIXTURE_IMAGES, '..', 'pdq', name);

// Expected full-resolution hashes from ../shared/fixtures/README.md, produced by Meta's reference
// implementations (ThreatExchange PDQHasherTest.java asserts bridge-1 and bridge-2, and the distances).
const EXPECTED: Record<string, string> = {
  'bridge-1-original.jpg': 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
  'bridge-2-rotate-90.jpg': '30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af',
  'bridge-3-rotate-180.jpg': 'adad5a64b5a142e75b62a09857da895ae63b847fc23794b766b319361bc93188',
  'bridge-4-rotate-270.jpg': 'a5f0a457a48995e8c9065c275aaa5498b61ba4bdf8fcf80387c32f8b1bfc4f05',
};

async function hashFile(path: string) {
  return pdqHash(await decodeForHashing(path));
}

async function rawOf(pipeline: Pipeline): Promise<RawImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('PDQ against the reference', () => {
  it.each(Object.entries(EXPECTED))('%s hashes to the reference value', async (name, expected) => {
    const { hash, quality } = await hashFile(pdqFixture(name));
    expect(hash).toBe(expected);
    // The C++ reference (pdqhashing.cpp) reports quality 100 for all four photos.
    expect(quality).toBe(100);
  });

  it('reproduces the reference distances: bridge-1 to bridge-2 is 120, to pen-and-coaster 138', async () => {
    const bridge1 = (await hashFile(pdqFixture('bridge-1-original.jpg'))).hash;
    const bridge2 = (await hashFile(pdqFixture('bridge-2-rotate-90.jpg'))).hash;
    const pen = (await hashFile(pdqFixture('pen-and-coaster.png'))).hash;
    expect(hammingHex(bridge1, bridge2)).toBe(120);
    expect(hammingHex(bridge1, pen)).toBe(138);
  });

  it('a half-size copy of bridge-1 stays within 8 bits', async () => {
    const original = await decodeForHashing(pdqFixture('bridge-1-original.jpg'));
    const half = await rawOf(
      sharp(original.data, { raw: { width: original.width, height: original.height, channels: 3 } }).resize(
        Math.round(original.width / 2),
      ),
    );
    expect(half.width).toBe(800);
    const distance = hammingHex(pdqHash(original).hash, pdqHash(half).hash);
    expect(distance).toBeLessThanOrEqual(8);
  });
});

describe('dihedral variants from the DCT', () => {
  it('bridge-1 variants match the rotated files (rotate90 is counter-clockwise, as in the reference)', async () => {
    const variants = pdqDihedralHashes(await decodeForHashing(pdqFixture('bridge-1-original.jpg')));
    expect(variants.hashes.original).toBe(EXPECTED['bridge-1-original.jpg']);
    const pairs: [Dihedral, string][] = [
      ['rotate90', 'bridge-2-rotate-90.jpg'],
      ['rotate180', 'bridge-3-rotate-180.jpg'],
      ['rotate270', 'bridge-4-rotate-270.jpg'],
    ];
    for (const [variant, file] of pairs) {
      const distances = DIHEDRAL_NAMES.map((name) =>
        hammingHex(variants.hashes[name], EXPECTED[file] as string),
      );
      const own = hammingHex(variants.hashes[variant], EXPECTED[file] as string);
      expect(own, `${variant} vs ${file}`).toBeLessThanOrEqual(10);
      // ...and every other variant is far away (the match is not an accident of a loose threshold).
      expect(distances.filter((d) => d <= 31)).toEqual([own]);
    }
  });

  it('each variant matches the hash of the image transformed pixel by pixel', async () => {
    const image = await decodeForHashing(pdqFixture('bridge-1-original.jpg'));
    const variants = pdqDihedralHashes(image);
    const raw = () => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
    // sharp's rotate() is clockwise: PDQ's rotate90 (counter-clockwise) is rotate(270).
    const transforms: Record<Dihedral, () => Pipeline> = {
      original: raw,
      rotate90: () => raw().rotate(270),
      rotate180: () => raw().rotate(180),
      rotate270: () => raw().rotate(90),
      flipX: () => raw().flip(),
      flipY: () => raw().flop(),
      flipPlus1: () => raw().rotate(90).flip(),
      flipMinus1: () => raw().rotate(90).flop(),
    };
    for (const name of DIHEDRAL_NAMES) {
      const transformed = pdqHash(await rawOf(transforms[name]())).hash;
      expect(hammingHex(transformed, variants.hashes[name]), name).toBeLessThanOrEqual(10);
    }
  });
});

describe('bad input', () => {
  it('an image under 5 px on a side gives the zero hash with quality 0', () => {
    for (const [width, height] of [
      [4, 100],
      [100, 4],
      [1, 1],
      [0, 0],
    ] as const) {
      const image = { data: new Uint8Array(width * height * 3).fill(200), width, height, channels: 3 };
      expect(pdqHash(image)).toEqual({ hash: ZERO_PDQ, quality: 0 });
      const dihedral = pdqDihedralHashes(image);
      expect(dihedral.quality).toBe(0);
      expect(new Set(Object.values(dihedral.hashes))).toEqual(new Set([ZERO_PDQ]));
    }
    const five = {
      data: new Uint8Array(5 * 5 * 3).map((_, i) => (i * 37) % 256),
      width: 5,
      height: 5,
      channels: 3,
    };
    expect(pdqHash(five).hash).not.toBe(ZERO_PDQ);
  });

  it('a flat single-colour image has a quality below the match threshold', async () => {
    const flat = await rawOf(
      sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 40, g: 120, b: 200 } } }),
    );
    const { quality } = pdqHash(flat);
    expect(quality).toBe(0);
    expect(quality).toBeLessThan(MIN_MATCH_QUALITY);
    // A real photo of the same size is well above it.
    expect(pdqHash(await decodeForHashing(fixturePath('Landscape_1.jpg'))).quality).toBeGreaterThanOrEqual(
      MIN_MATCH_QUALITY,
    );
  });

  it('rejects a buffer smaller than its declared size', () => {
    expect(() => pdqHash({ data: new Uint8Array(10), width: 10, height: 10, channels: 3 })).toThrow(
      RangeError,
    );
  });
});

// Optional bit-exactness check against Meta's C++ on the same decoded pixels. PDQ_REFERENCE_BIN is a
// locally built driver (see bench/hash.ts for its command line); without it the check is skipped.
const referenceBin = process.env.PDQ_REFERENCE_BIN;
describe.skipIf(!referenceBin)('bit-exact against the C++ reference (PDQ_REFERENCE_BIN)', () => {
  it('all 8 dihedral hashes and the quality agree on every fixture image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdq-ref-'));
    const files = [...Object.keys(EXPECTED), 'pen-and-coaster.png'].map(pdqFixture);
    files.push(...['Landscape_5.jpg', 'flowers.jpeg', 'with-alpha.png', 'big-height.webp'].map(fixturePath));
    for (const file of files) {
      const image = await decodeForHashing(file);
      writeFileSync(join(dir, 'image.raw'), image.data);
      const args = [join(dir, 'image.raw'), image.height, image.width, image.channels, 0].map(String);
      const fields = execFileSync(referenceBin as string, args)
        .toString()
        .trim()
        .split(' ');
      const ours = pdqDihedralHashes(image);
      expect([fields[0], ...fields.slice(2, 9)], file).toEqual(DIHEDRAL_NAMES.map((n) => ours.hashes[n]));
      expect(Number(fields[1]), file).toBe(ours.quality);
    }
  });
});
