import { seededRandom } from './random-hashes.js';

/**
 * The run's seed for test data. vitest.config.ts sets TEST_SEED once per run (workers inherit it) and the
 * summary reporter prints it when a test fails, so `TEST_SEED=N npm test -- <file>` reproduces the data.
 */
export const TEST_SEED = Number.parseInt(process.env.TEST_SEED ?? '1', 10) >>> 0;

/** FNV-1a of a label: each use gets its own stream, so adding a test never shifts another's data. */
function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A PRNG in [0, 1) derived from the run's seed and a label naming its use. */
export function testRandom(label: string): () => number {
  return seededRandom((TEST_SEED ^ labelHash(label)) >>> 0);
}

/** `size` pseudo-random bytes from the run's seed (a stand-in for crypto.randomBytes in tests). */
export function testBytes(size: number, label: string): Buffer {
  const random = testRandom(label);
  const bytes = Buffer.allocUnsafe(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) bytes.writeUInt32LE(Math.floor(random() * 0x1_0000_0000), i);
  for (; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}
