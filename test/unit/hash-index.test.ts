import { describe, expect, it } from 'vitest';
import {
  chunkProbes,
  GUARANTEED_RECALL_DISTANCE,
  hammingHex,
  hashChunks,
  normalizeHash256,
} from '../../src/similarity/hash256.js';
import { InMemoryHashIndexStore } from '../../src/similarity/in-memory-hash-index.js';
import { InvalidQueryError, NearDuplicateIndex } from '../../src/similarity/near-duplicates.js';
import { randomHash, seededRandom } from '../support/random-hashes.js';

const toBits = (hex: string) =>
  [...hex].flatMap((d) => [...Number.parseInt(d, 16).toString(2).padStart(4, '0')]);
const fromBits = (bits: string[]) =>
  Array.from({ length: 64 }, (_, i) =>
    Number.parseInt(bits.slice(i * 4, i * 4 + 4).join(''), 2).toString(16),
  ).join('');

function flip(hex: string, positions: number[]): string {
  const bits = toBits(hex);
  for (const p of positions) bits[p] = bits[p] === '1' ? '0' : '1';
  return fromBits(bits);
}

function flipRandom(hex: string, distance: number, random: () => number): string {
  const positions = new Set<number>();
  while (positions.size < distance) positions.add(Math.floor(random() * 256));
  return flip(hex, [...positions]);
}

/** 31 bits spread so 15 chunks differ in 2 bits and one chunk in 1: the pigeonhole worst case. */
function worstCase31(hex: string, loneChunk: number): string {
  const positions: number[] = [];
  for (let chunk = 0; chunk < 16; chunk++) {
    positions.push(chunk * 16 + 3);
    if (chunk !== loneChunk) positions.push(chunk * 16 + 11);
  }
  return flip(hex, positions);
}

describe('hash arithmetic', () => {
  it('Hamming distance counts differing bits; chunks and probes cover the hash', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const a = randomHash(random);
      const b = randomHash(random);
      const bBits = toBits(b);
      const naive = toBits(a).filter((bit, k) => bit !== bBits[k]).length;
      expect(hammingHex(a, b)).toBe(naive);
    }
    const hash = randomHash(random);
    expect(
      hashChunks(hash)
        .map((v) => v.toString(16).padStart(4, '0'))
        .join(''),
    ).toBe(hash);
    expect(chunkProbes(hash)).toHaveLength(16 * 17);
    expect(() => normalizeHash256('xyz')).toThrow();
    expect(normalizeHash256(hash.toUpperCase())).toBe(hash);
  });
});

describe('near-duplicate lookup: recall against brute force', () => {
  it('finds every planted hash within 31 bits among 20,000 random ones, nothing beyond maxDistance', async () => {
    const random = seededRandom(2026);
    const store = new InMemoryHashIndexStore();
    const index = new NearDuplicateIndex(store);
    const tenant = 'acme';
    for (let i = 0; i < 20_000; i++) {
      await index.add(tenant, { assetId: `random-${i}`, pdq: { hash: randomHash(random), quality: 100 } });
    }
    const queries = Array.from({ length: 50 }, () => randomHash(random));
    const planted = new Map<string, { query: number; distance: number }>();
    for (let i = 0; i < 700; i++) {
      const query = i % queries.length;
      const distance = i < 500 ? i % 32 : 32 + (i % 33); // 500 at 0..31, 200 at 32..64
      const base = queries[query] as string;
      const hash =
        distance === 31 && i % 2 === 0 ? worstCase31(base, i % 16) : flipRandom(base, distance, random);
      expect(hammingHex(hash, base)).toBe(distance);
      planted.set(`planted-${i}`, { query, distance });
      await index.add(tenant, { assetId: `planted-${i}`, pdq: { hash, quality: 90 } });
    }
    const all = store.all(tenant);
    expect(all).toHaveLength(20_700);

    let foundPlanted = 0;
    for (const maxDistance of [31, 12]) {
      for (const [q, query] of queries.entries()) {
        const results = await index.findSimilar(tenant, { hash: query, quality: 100 }, { maxDistance });
        const bruteForce = all
          .map((e) => ({ assetId: e.assetId, distance: hammingHex(query, e.hash), quality: e.quality }))
          .filter((m) => m.distance <= maxDistance)
          .sort((a, b) => a.distance - b.distance || (a.assetId < b.assetId ? -1 : 1));
        expect(results).toEqual(bruteForce);
        expect(results.every((m) => m.distance <= maxDistance)).toBe(true);
        const ids = new Set(results.map((m) => m.assetId));
        for (const [assetId, p] of planted) {
          if (p.query !== q) continue;
          expect(ids.has(assetId), `${assetId} at ${p.distance}`).toBe(p.distance <= maxDistance);
          if (maxDistance === 31 && p.distance <= 31) foundPlanted++;
        }
      }
    }
    expect(foundPlanted).toBe(500);
  });

  it('rejects maxDistance beyond the guaranteed-recall radius', async () => {
    const index = new NearDuplicateIndex(new InMemoryHashIndexStore());
    const hash = '0'.repeat(64);
    await expect(
      index.findSimilar('t', { hash }, { maxDistance: GUARANTEED_RECALL_DISTANCE + 1 }),
    ).rejects.toThrow(InvalidQueryError);
    await expect(index.findSimilar('t', { hash }, { maxDistance: -1 })).rejects.toThrow(InvalidQueryError);
  });
});

describe('quality, tenants, exact duplicates', () => {
  const hash = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

  it('stores low-quality hashes flagged and leaves them out unless asked', async () => {
    const store = new InMemoryHashIndexStore();
    const index = new NearDuplicateIndex(store);
    expect(
      (await index.add('t', { assetId: 'flat', pdq: { hash: '0'.repeat(64), quality: 0 } })).flagged,
    ).toBe(true);
    expect(
      (await index.add('t', { assetId: 'dim', pdq: { hash: flip(hash, [1]), quality: 49 } })).flagged,
    ).toBe(true);
    expect(
      (await index.add('t', { assetId: 'good', pdq: { hash: flip(hash, [2]), quality: 50 } })).flagged,
    ).toBe(false);
    expect(await store.get('t', 'flat')).toMatchObject({ flagged: true, quality: 0 });
    expect((await index.findSimilar('t', { hash })).map((m) => m.assetId)).toEqual(['good']);
    const all = await index.findSimilar('t', { hash }, { includeLowQuality: true });
    expect(all.map((m) => m.assetId).sort()).toEqual(['dim', 'good']);
    // A flat image's zero hash matches nothing by default, not even other flat images.
    await index.add('t', { assetId: 'flat-2', pdq: { hash: '0'.repeat(64), quality: 0 } });
    expect(await index.findSimilar('t', { hash: '0'.repeat(64), quality: 0 })).toEqual([]);
    expect(await index.findSimilarToAsset('t', 'flat')).toEqual([]);
  });

  it('never matches across tenants; finds an asset’s neighbours without itself', async () => {
    const index = new NearDuplicateIndex(new InMemoryHashIndexStore());
    await index.add('a', { assetId: 'one', pdq: { hash, quality: 100 }, sha256: 'AB'.repeat(32) });
    await index.add('a', { assetId: 'two', pdq: { hash: flip(hash, [0, 100, 200]), quality: 100 } });
    await index.add('b', { assetId: 'three', pdq: { hash, quality: 100 }, sha256: 'ab'.repeat(32) });
    expect(await index.findSimilarToAsset('a', 'one')).toEqual([
      { assetId: 'two', distance: 3, quality: 100 },
    ]);
    expect(await index.findSimilarToAsset('a', 'missing')).toBeUndefined();
    expect((await index.findSimilar('b', { hash })).map((m) => m.assetId)).toEqual(['three']);
    await index.add('a', { assetId: 'four', pdq: { hash, quality: 100 }, sha256: 'ab'.repeat(32) });
    expect(await index.findExact('a', 'ab'.repeat(32), 'four')).toEqual({ ids: ['one'], more: false });
    expect(await index.findExact('b', 'ab'.repeat(32))).toEqual({ ids: ['three'], more: false });
  });

  it('records at most the oldest 20 exact duplicates and says when there are more', async () => {
    const index = new NearDuplicateIndex(new InMemoryHashIndexStore());
    const sha256 = 'cd'.repeat(32);
    const random = seededRandom(7);
    for (let i = 0; i < 25; i++) {
      const assetId = `asset-${String(i).padStart(2, '0')}`;
      await index.add('t', { assetId, pdq: { hash: randomHash(random), quality: 100 }, sha256 });
    }
    const found = await index.findExact('t', sha256, 'asset-00');
    expect(found.more).toBe(true);
    expect(found.ids).toEqual(
      Array.from({ length: 20 }, (_, i) => `asset-${String(i + 1).padStart(2, '0')}`),
    );
    expect((await index.findExact('t', sha256, undefined, 30)).ids).toHaveLength(25);
  });
});
