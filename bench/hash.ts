import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmulators } from '../local/emulators.js';
import { DynamoDbHashIndex } from '../src/adapters/aws/dynamodb-hash-index.js';
import { JOBS_TABLE_KEYS } from '../src/adapters/aws/jobs-table-layout.js';
import { hashAsset } from '../src/jobs/asset-hashes.js';
import { imageHashes } from '../src/media/hash/imagehash.js';
import { pdqHash } from '../src/media/hash/pdq.js';
import { decodeForHashing, type RawImage } from '../src/media/hash/raw-image.js';
import { sha256Hex } from '../src/media/hash/sha256.js';
import { processImage } from '../src/media/image/pipeline.js';
import { PRESETS } from '../src/presets/presets.js';
import { hammingWords, hashWords } from '../src/similarity/hash256.js';
import { InMemoryHashIndexStore } from '../src/similarity/in-memory-hash-index.js';
import { type IndexedHash, NearDuplicateIndex } from '../src/similarity/near-duplicates.js';
import { randomHash, seededRandom } from '../test/support/random-hashes.js';
import { ms, percentile } from './stats.js';

/**
 * `npm run bench -- hash`
 * 1. PDQ ms/image, TypeScript vs Meta's C++ on the same decoded pixels, in the same run. The C++ side is
 *    a locally built driver named by PDQ_REFERENCE_BIN (not part of this repository), called as
 *      $PDQ_REFERENCE_BIN <raw file> <rows> <cols> <channels> <iterations>
 *    printing "<hash> <quality> <7 dihedral hashes> <ms per iteration>", where one iteration is
 *    fillFloatLumaFromRGB + pdqHash256FromFloatLuma (ThreatExchange pdq/cpp, built with -O3). Both sides
 *    time luminance + hash, not decoding. Without the variable: "reference not available".
 * 2. imagehash (aHash + dHash + pHash) and SHA-256 per image, for the share of hashing in a job.
 * 3. Lookup latency p50/p95 of DynamoDbHashIndex on dynalite with HASH_BENCH_INDEXED (default 100,000)
 *    indexed hashes, results checked against brute force over the same hashes.
 */
const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures');
const IMAGES = [
  'pdq/bridge-1-original.jpg',
  'pdq/bridge-2-rotate-90.jpg',
  'images/2569067123_aca715a2ee_o.jpg',
  'images/Landscape_1.jpg',
];

function timeMs(iterations: number, fn: () => void): number {
  fn();
  fn(); // warm up the JIT
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - start) / iterations;
}

function referenceMs(bin: string, image: RawImage, iterations: number): { ms: number; hash: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pdq-bench-'));
  try {
    const file = join(dir, 'image.raw');
    writeFileSync(file, image.data);
    const args = [file, image.height, image.width, image.channels, iterations].map(String);
    const fields = execFileSync(bin, args).toString().trim().split(' ');
    return { ms: Number(fields.at(-1)), hash: fields[0] ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchHashing(): Promise<void> {
  const bin = process.env.PDQ_REFERENCE_BIN;
  console.log(
    `PDQ, TypeScript vs C++ reference (${bin ? bin : 'reference not available: set PDQ_REFERENCE_BIN'})`,
  );
  for (const name of IMAGES) {
    const bytes = readFileSync(join(FIXTURES, name));
    const image = await decodeForHashing(bytes);
    const mp = ((image.width * image.height) / 1e6).toFixed(2);
    const iterations = image.width * image.height > 3e6 ? 5 : 15;
    const ts = timeMs(iterations, () => pdqHash(image));
    let line = `  ${name} ${image.width}x${image.height} (${mp} MP): TS ${ms(ts)}`;
    if (bin) {
      const ref = referenceMs(bin, image, iterations);
      const same = ref.hash === pdqHash(image).hash ? 'same hash' : 'HASH DIFFERS';
      line += `, C++ ${ms(ref.ms)}, ratio ${(ts / ref.ms).toFixed(2)}x (${same})`;
    }
    const ih = timeMs(iterations, () => imageHashes(image));
    const sha = timeMs(iterations, () => sha256Hex(bytes));
    console.log(
      `${line}; aHash+dHash+pHash ${ms(ih)}; SHA-256 of ${(bytes.length / 1e6).toFixed(1)} MB ${ms(sha)}`,
    );
  }
}

async function benchLookup(): Promise<void> {
  const count = Number(process.env.HASH_BENCH_INDEXED ?? 100_000);
  const lookups = Number(process.env.HASH_BENCH_LOOKUPS ?? 200);
  const random = seededRandom(42);
  const nextHash = () => randomHash(random);
  const entries: IndexedHash[] = Array.from({ length: count }, (_, i) => ({
    assetId: `asset-${i}`,
    hash: nextHash(),
    quality: 100,
    flagged: false,
  }));
  // Queries: half near an indexed hash (a few bits flipped), half random.
  const queries = Array.from({ length: lookups }, (_, i) => {
    if (i % 2) return nextHash();
    const digits = [...(entries[Math.floor(random() * count)] as IndexedHash).hash];
    for (let k = 0; k < 10; k++) {
      const p = Math.floor(random() * 64);
      digits[p] = (Number.parseInt(digits[p] as string, 16) ^ (1 << Math.floor(random() * 4))).toString(16);
    }
    return digits.join('');
  });

  const emulators = await startEmulators();
  const client = new DynamoDBClient({
    endpoint: emulators.dynamodb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  try {
    const TableName = 'hash-bench';
    const { partitionKey, sortKey } = JOBS_TABLE_KEYS;
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    const store = new DynamoDbHashIndex({ tableName: TableName, client });
    let start = performance.now();
    for (let i = 0; i < count; i += 5_000) await store.putNew('bench', entries.slice(i, i + 5_000));
    const loadSeconds = (performance.now() - start) / 1000;
    console.log(
      `Lookup: ${count} hashes indexed in dynalite in ${loadSeconds.toFixed(0)} s (${count * 17} items)`,
    );

    const index = new NearDuplicateIndex(store);
    const latencies: number[] = [];
    let matches = 0;
    const words = entries.map((e) => hashWords(e.hash));
    const bruteMs: number[] = [];
    for (const query of queries) {
      start = performance.now();
      const found = await index.findSimilar('bench', { hash: query });
      latencies.push(performance.now() - start);
      matches += found.length;
      start = performance.now();
      const q = hashWords(query);
      const brute = words.flatMap((w, i) => (hammingWords(q, w) <= 31 ? [entries[i]?.assetId] : []));
      bruteMs.push(performance.now() - start);
      if (
        brute.sort().join() !==
        found
          .map((m) => m.assetId)
          .sort()
          .join()
      )
        throw new Error('lookup differs from brute force');
    }
    latencies.sort((a, b) => a - b);
    bruteMs.sort((a, b) => a - b);
    const memory = new InMemoryHashIndexStore();
    for (const entry of entries) await memory.put('bench', entry);
    const memoryIndex = new NearDuplicateIndex(memory);
    const memoryMs: number[] = [];
    for (const query of queries) {
      start = performance.now();
      await memoryIndex.findSimilar('bench', { hash: query });
      memoryMs.push(performance.now() - start);
    }
    memoryMs.sort((a, b) => a - b);
    console.log(
      `  dynalite (272 Query calls, 32 in flight): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))} over ${lookups} lookups, ${matches} matches, all equal to brute force`,
    );
    console.log(
      `  in-memory index: p50 ${ms(percentile(memoryMs, 50))}, p95 ${ms(percentile(memoryMs, 95))}; brute force over ${count}: p50 ${ms(percentile(bruteMs, 50))}`,
    );
  } finally {
    client.destroy();
    await emulators.stop();
  }
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** 4. What hashing adds to a job: CPU of the `web` preset's processing vs the worker's hashing step. */
async function benchShareOfJob(): Promise<void> {
  console.log('Hashing as a share of a web-preset job (CPU time, median of 5)');
  for (const name of ['images/2569067123_aca715a2ee_o.jpg', 'images/Landscape_1.jpg']) {
    const input = readFileSync(join(FIXTURES, name));
    const render: number[] = [];
    const hash: number[] = [];
    for (let i = 0; i < 6; i++) {
      let started = process.cpuUsage();
      const processed = await processImage(input, PRESETS.web);
      const renderMs = cpuMs(process.cpuUsage(started));
      started = process.cpuUsage();
      await hashAsset(input, processed, sha256Hex(input));
      const hashMs = cpuMs(process.cpuUsage(started));
      if (i === 0) continue; // warm-up
      render.push(renderMs);
      hash.push(hashMs);
    }
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const [r, h] = [median(render), median(hash)];
    console.log(
      `  ${name}: web preset ${ms(r)}, hashing ${ms(h)} (SHA-256, PDQ, aHash, dHash, pHash, incl. any ` +
        `full-resolution decode): ${((100 * h) / (r + h)).toFixed(1)}% of the job's CPU`,
    );
  }
}

export async function run(): Promise<void> {
  await benchHashing();
  await benchShareOfJob();
  await benchLookup();
}
