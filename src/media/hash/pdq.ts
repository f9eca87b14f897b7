import { floatLuma, jaroszDownsample } from './pdq-downscale.js';
import { assertRawImage, type RawImage } from './raw-image.js';

/**
 * PDQ, a port of Meta's reference (ThreatExchange pdq/cpp/hashing/pdqhashing.cpp, the normative text):
 * float luminance, Jarosz filter (2 passes of row and column box filters, window (dim + 127) / 128),
 * 64x64 decimation, 16x16 DCT, bits above the (Torben) median, quality from 64x64 gradients, and the 8
 * dihedral variants derived from the DCT. Float32 arithmetic as in the C++ (see pdq-downscale.ts).
 *
 * Hex layout as Hash256::format: 16-bit words w[15] .. w[0], 4 hex digits each; bit (i * 16 + j) is
 * DCT coefficient (i, j) and lives in w[i] bit j.
 */

const fround = Math.fround;
const MIN_HASHABLE_DIM = 5;
const JAROSZ_PASSES = 2;
export const ZERO_PDQ = '0'.repeat(64);

export interface PdqHash {
  hash: string;
  quality: number;
}

export const DIHEDRAL_NAMES = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;
export type Dihedral = (typeof DIHEDRAL_NAMES)[number];

export interface PdqDihedral {
  quality: number;
  hashes: Record<Dihedral, string>;
}

// dct_matrix_64: 16 x 64, D[i][j] = (float)(float(sqrt(2/64)) * cos(pi / 128 * (i + 1) * (2j + 1))).
const DCT = (() => {
  const scale = fround(Math.sqrt(2 / 64));
  const matrix = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++)
      matrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
  }
  return matrix;
})();

/** Float luminance blurred and decimated to 64x64 (a 64x64 image is used as is, as the reference does). */
export function downsample64(image: RawImage): Float32Array {
  if (image.height === 64 && image.width === 64) return floatLuma(image);
  return jaroszDownsample(image, JAROSZ_PASSES, 64, 64);
}

/** pdqImageDomainQualityMetric: count of significant gradients in the 64x64 image, scaled to 0..100. */
export function qualityMetric(a: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(
        fround(fround(fround((a[i * 64 + j] as number) - (a[(i + 1) * 64 + j] as number)) * 100) / 255),
      );
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(
        fround(fround(fround((a[i * 64 + j] as number) - (a[i * 64 + j + 1] as number)) * 100) / 255),
      );
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** dct64To16: B = D A D^T, summing k = 0..63 in order with float32 rounding. */
export function dct64To16(a: Float32Array): Float32Array {
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++)
        sum = fround(sum + fround((DCT[i * 64 + k] as number) * (a[k * 64 + j] as number)));
      t[i * 64 + j] = sum;
    }
  }
  const b = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++)
        sum = fround(sum + fround((t[i * 64 + k] as number) * (DCT[j * 64 + k] as number)));
      b[i * 16 + j] = sum;
    }
  }
  return b;
}

/** Torben Mogensen's median (torben.cpp), the exact value the reference thresholds against. */
export function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0] as number;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = m[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const half = Math.trunc((n + 1) / 2);
  for (;;) {
    const guess = fround(fround(min + max) / 2);
    let less = 0;
    let greater = 0;
    let equal = 0;
    let maxLtGuess = min;
    let minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i] as number;
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else equal++;
    }
    if (less <= half && greater <= half) {
      if (less >= half) return maxLtGuess;
      if (less + equal >= half) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

/** pdqBuffer16x16ToBits + Hash256::format. */
export function dctToHex(b: Float32Array): string {
  const median = torbenMedian(b);
  let hex = '';
  for (let i = 15; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < 16; j++) if ((b[i * 16 + j] as number) > median) word |= 1 << j;
    hex += word.toString(16).padStart(4, '0');
  }
  return hex;
}

// dct16OriginalTo*: sign flips of odd/even rows/columns, with or without transposition.
type Transform = (i: number, j: number) => { transpose: boolean; negate: boolean };
const TRANSFORMS: Record<Dihedral, Transform> = {
  original: () => ({ transpose: false, negate: false }),
  rotate90: (_i, j) => ({ transpose: true, negate: (j & 1) === 0 }),
  rotate180: (i, j) => ({ transpose: false, negate: ((i + j) & 1) === 1 }),
  rotate270: (i) => ({ transpose: true, negate: (i & 1) === 0 }),
  flipX: (i) => ({ transpose: false, negate: (i & 1) === 0 }),
  flipY: (_i, j) => ({ transpose: false, negate: (j & 1) === 0 }),
  flipPlus1: () => ({ transpose: true, negate: false }),
  flipMinus1: (i, j) => ({ transpose: true, negate: ((i + j) & 1) === 1 }),
};

export function dihedralDct(a: Float32Array, variant: Dihedral): Float32Array {
  const b = new Float32Array(256);
  const transform = TRANSFORMS[variant];
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const { transpose, negate } = transform(i, j);
      const v = a[i * 16 + j] as number;
      b[transpose ? j * 16 + i : i * 16 + j] = negate ? -v : v;
    }
  }
  return b;
}

/** 16x16 DCT and quality; null when the image is under 5 px on a side. */
export function pdqDct(image: RawImage): { dct: Float32Array; quality: number } | null {
  assertRawImage(image);
  if (image.height < MIN_HASHABLE_DIM || image.width < MIN_HASHABLE_DIM) return null;
  const small = downsample64(image);
  return { dct: dct64To16(small), quality: qualityMetric(small) };
}

/** PDQ of a decoded image. Under 5 px on a side: the zero hash with quality 0. */
export function pdqHash(image: RawImage): PdqHash {
  const result = pdqDct(image);
  return result ? { hash: dctToHex(result.dct), quality: result.quality } : { hash: ZERO_PDQ, quality: 0 };
}

/** The 8 dihedral PDQ hashes from one DCT (no re-hashing of transformed images). */
export function pdqDihedralHashes(image: RawImage): PdqDihedral {
  const result = pdqDct(image);
  const entries = DIHEDRAL_NAMES.map((name) => [
    name,
    result ? dctToHex(dihedralDct(result.dct, name)) : ZERO_PDQ,
  ]);
  return { quality: result?.quality ?? 0, hashes: Object.fromEntries(entries) as Record<Dihedral, string> };
}
