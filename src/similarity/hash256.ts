/**
 * 256-bit perceptual hashes (PDQ) as 64 lowercase hex digits, and the arithmetic the near-duplicate
 * index needs. Pure: no I/O, no AWS.
 *
 * Chunking for multi-index hashing: chunk `i` (0..15) is hex digits `4i .. 4i+3` of the hash, i.e. a
 * 16-bit value. (In PDQ's own layout that is word `15 - i`; which 16 bits form a chunk does not matter
 * for the pigeonhole argument, only that the 16 chunks partition the 256 bits.)
 */

export const HASH256_HEX = /^[0-9a-f]{64}$/;
export const CHUNK_COUNT = 16;
export const CHUNK_BITS = 16;

export class InvalidHashError extends Error {
  constructor(value: string) {
    super(`not a 256-bit hex hash: ${JSON.stringify(value.slice(0, 80))}`);
    this.name = 'InvalidHashError';
  }
}

/** Lower-cases and validates a 64-digit hex hash. */
export function normalizeHash256(hex: string): string {
  const lower = hex.toLowerCase();
  if (!HASH256_HEX.test(lower)) throw new InvalidHashError(hex);
  return lower;
}

/** The 8 32-bit words of a hash, most significant (first hex digits) first. */
export function hashWords(hex: string): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
  return words;
}

export function wordsToHex(words: Uint32Array): string {
  let hex = '';
  for (const word of words) hex += word.toString(16).padStart(8, '0');
  return hex;
}

export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance between two word arrays of equal length. */
export function hammingWords(a: Uint32Array, b: Uint32Array): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) distance += popcount32(((a[i] as number) ^ (b[i] as number)) >>> 0);
  return distance;
}

/** Hamming distance between two hex hashes of equal length (any multiple of 8 digits, e.g. 64-bit imagehash). */
export function hammingHex(a: string, b: string): number {
  if (a.length !== b.length || a.length % 8 !== 0) throw new RangeError('hashes differ in length');
  let distance = 0;
  for (let i = 0; i < a.length; i += 8) {
    distance += popcount32(
      (Number.parseInt(a.slice(i, i + 8), 16) ^ Number.parseInt(b.slice(i, i + 8), 16)) >>> 0,
    );
  }
  return distance;
}

/** The 16 chunk values (16-bit each) of a normalized hash. */
export function hashChunks(hex: string): number[] {
  const chunks: number[] = [];
  for (let i = 0; i < CHUNK_COUNT; i++) chunks.push(Number.parseInt(hex.slice(i * 4, i * 4 + 4), 16));
  return chunks;
}

export const chunkHex = (value: number) => value.toString(16).padStart(4, '0');

/** One exact-match probe of the index: chunk position and the 16-bit value it must hold. */
export interface ChunkProbe {
  chunk: number;
  value: number;
}

/**
 * The probes that guarantee recall up to distance 31: for each of the 16 chunks, its exact value and
 * its 16 one-bit neighbours (16 x 17 = 272). Pigeonhole: 31 differing bits over 16 chunks leave at least
 * one chunk with at most one differing bit, and that chunk's probe finds the candidate.
 */
export function chunkProbes(hex: string): ChunkProbe[] {
  const probes: ChunkProbe[] = [];
  hashChunks(hex).forEach((value, chunk) => {
    probes.push({ chunk, value });
    for (let bit = 0; bit < CHUNK_BITS; bit++) probes.push({ chunk, value: value ^ (1 << bit) });
  });
  return probes;
}

/** Largest distance for which chunkProbes guarantees 100% recall. */
export const GUARANTEED_RECALL_DISTANCE = 2 * CHUNK_COUNT - 1;
