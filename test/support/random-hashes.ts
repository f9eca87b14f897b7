/** Deterministic PRNG (mulberry32): seeded tests and benches are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random 256-bit hash, 64 hex digits. */
export const randomHash = (random: () => number) =>
  Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join('');

/** The hash with exactly `distance` distinct random bits flipped (bit 0 = MSB of the first digit). */
export function flipRandomBits(hex: string, distance: number, random: () => number): string {
  const digits = [...hex].map((d) => Number.parseInt(d, 16));
  const positions = new Set<number>();
  while (positions.size < distance) positions.add(Math.floor(random() * 256));
  for (const p of positions) digits[p >> 2] = (digits[p >> 2] as number) ^ (8 >> (p & 3));
  return digits.map((d) => d.toString(16)).join('');
}
