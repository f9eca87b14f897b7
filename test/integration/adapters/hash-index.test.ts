import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { DynamoDbHashIndex } from '../../../src/adapters/aws/dynamodb-hash-index.js';
import { hammingHex } from '../../../src/similarity/hash256.js';
import { InMemoryHashIndexStore } from '../../../src/similarity/in-memory-hash-index.js';
import { NearDuplicateIndex } from '../../../src/similarity/near-duplicates.js';
import { createJobsTable } from '../../support/jobs-table.js';
import { flipRandomBits, randomHash, seededRandom } from '../../support/random-hashes.js';

const TABLE = 'hash-index-test';
let emulators: Emulators;
let client: DynamoDBClient;
let store: DynamoDbHashIndex;

beforeAll(async () => {
  emulators = await startEmulators();
  client = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  // The jobs table exactly as the stack declares it: the index shares its pk/sk single-table design.
  await createJobsTable(client, TABLE);
  store = new DynamoDbHashIndex({ tableName: TABLE, client, concurrency: 16 });
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('DynamoDbHashIndex on dynalite', () => {
  // 2,100 hashes written to dynalite: 17 s alone on 2 cores, over 30 s when other test files share them.
  it('returns exactly what brute force finds for 2,000 random + 100 planted hashes', async () => {
    const random = seededRandom(99);
    const tenant = 'recall';
    const dynamo = new NearDuplicateIndex(store);
    const memory = new InMemoryHashIndexStore();
    const reference = new NearDuplicateIndex(memory);
    const queries = Array.from({ length: 10 }, () => randomHash(random));
    const assets = Array.from({ length: 2_000 }, (_, i) => ({ assetId: `r${i}`, hash: randomHash(random) }));
    for (let i = 0; i < 100; i++) {
      const distance = i < 80 ? i % 32 : 32 + (i % 33);
      assets.push({ assetId: `p${i}`, hash: flipRandomBits(queries[i % 10] as string, distance, random) });
    }
    await inBatches(assets, 16, async ({ assetId, hash }) => {
      await dynamo.add(tenant, { assetId, pdq: { hash, quality: 80 } });
      await reference.add(tenant, { assetId, pdq: { hash, quality: 80 } });
    });
    for (const query of queries) {
      const found = await dynamo.findSimilar(tenant, { hash: query });
      const bruteForce = memory
        .all(tenant)
        .map((e) => ({ assetId: e.assetId, distance: hammingHex(query, e.hash), quality: e.quality }))
        .filter((m) => m.distance <= 31)
        .sort((a, b) => a.distance - b.distance || (a.assetId < b.assetId ? -1 : 1));
      expect(found).toEqual(bruteForce);
      expect(found.length).toBeGreaterThanOrEqual(8); // the planted ones at 0..31
    }
    expect(await dynamo.findSimilar('other-tenant', { hash: queries[0] as string })).toEqual([]);
  }, 120_000);

  it('re-indexing an asset under a new hash drops its old postings', async () => {
    const index = new NearDuplicateIndex(store);
    const random = seededRandom(5);
    const first = randomHash(random);
    const second = randomHash(random);
    await index.add('moves', { assetId: 'a1', pdq: { hash: first, quality: 90 }, sha256: '11'.repeat(32) });
    expect((await index.findSimilar('moves', { hash: first })).map((m) => m.assetId)).toEqual(['a1']);
    await index.add('moves', { assetId: 'a1', pdq: { hash: second, quality: 90 }, sha256: '22'.repeat(32) });
    expect(await index.findSimilar('moves', { hash: first })).toEqual([]);
    expect(await index.findSimilar('moves', { hash: second })).toEqual([
      { assetId: 'a1', distance: 0, quality: 90 },
    ]);
    expect(await index.findExact('moves', '11'.repeat(32))).toEqual({ ids: [], more: false });
    expect(await index.findExact('moves', '22'.repeat(32))).toEqual({ ids: ['a1'], more: false });
    expect(await store.get('moves', 'a1')).toEqual({
      assetId: 'a1',
      hash: second,
      quality: 90,
      flagged: false,
      sha256: '22'.repeat(32),
    });
  });

  it('keeps low-quality entries flagged and out of default matches', async () => {
    const index = new NearDuplicateIndex(store);
    const hash = randomHash(seededRandom(6));
    await index.add('flags', { assetId: 'dim', pdq: { hash, quality: 20 } });
    await index.add('flags', {
      assetId: 'sharp',
      pdq: { hash: flipRandomBits(hash, 4, seededRandom(8)), quality: 95 },
    });
    expect((await store.get('flags', 'dim'))?.flagged).toBe(true);
    expect((await index.findSimilar('flags', { hash })).map((m) => m.assetId)).toEqual(['sharp']);
    const all = await index.findSimilar('flags', { hash }, { includeLowQuality: true });
    expect(all.map((m) => [m.assetId, m.distance])).toEqual([
      ['dim', 0],
      ['sharp', 4],
    ]);
  });
});
