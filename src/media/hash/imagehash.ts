import { type GreyImage, pilLuma, pilResizeLanczos } from './pil-resize.js';
import type { RawImage } from './raw-image.js';

/**
 * aHash, dHash and pHash as the Python `imagehash` library (v4.3.2, imagehash/__init__.py) defines
 * them, with its defaults (hash_size 8, highfreq_factor 4). Each starts from
 * `image.convert('L').resize(size, LANCZOS)` (ported in pil-resize.ts) and renders the boolean matrix
 * row-major, most significant bit first, as hex (`_binary_array_to_hex`).
 */

/** Row-major booleans -> hex, first bit most significant (64 bits -> 16 digits). */
export function bitsToHex(bits: boolean[]): string {
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (bits[i + b] ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** average_hash: 8x8, bit = pixel > mean of the 64 pixels (numpy.mean, not the median). */
export function averageHashFromLuma(grey: GreyImage): string {
  const small = pilResizeLanczos(grey, 8, 8).data;
  let sum = 0;
  for (const v of small) sum += v;
  const mean = sum / small.length;
  return bitsToHex(Array.from(small, (v) => v > mean));
}

/** dhash: 9 wide x 8 high, bit = pixel[r][c + 1] > pixel[r][c]. */
export function differenceHashFromLuma(grey: GreyImage): string {
  const small = pilResizeLanczos(grey, 9, 8).data;
  const bits: boolean[] = [];
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) bits.push((small[r * 9 + c + 1] as number) > (small[r * 9 + c] as number));
  }
  return bitsToHex(bits);
}

const PHASH_SIZE = 32;
const PHASH_BITS = 8;

/**
 * The first `count` coefficients of scipy.fftpack.dct type II (unnormalised),
 * y[k] = 2 sum_n x[n] cos(pi k (2n + 1) / (2N)), by the even/odd split the FFT-based original also
 * has: even k is the half-size DCT of x[n] + x[N-1-n], odd k is summed over x[n] - x[N-1-n]. So, as in
 * scipy, symmetric input gives exactly zero odd coefficients and flat input exactly zero AC ones; a
 * direct sum would leave rounding noise there, which decides bits that tie with the median.
 */
function dctLow(x: Float64Array, count: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(count);
  if (n === 1) {
    out[0] = 2 * (x[0] as number);
    return out;
  }
  const half = n / 2;
  const sums = new Float64Array(half);
  const diffs = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    sums[i] = (x[i] as number) + (x[n - 1 - i] as number);
    diffs[i] = (x[i] as number) - (x[n - 1 - i] as number);
  }
  const even = dctLow(sums, Math.ceil(count / 2));
  for (let k = 0; k < count; k++) {
    if (k % 2 === 0) {
      out[k] = even[k / 2] as number;
      continue;
    }
    let sum = 0;
    for (let i = 0; i < half; i++)
      sum += (diffs[i] as number) * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
    out[k] = 2 * sum;
  }
  return out;
}

/** numpy.median: mean of the two middle values for an even count. */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length / 2;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The 8x8 low-frequency block of phash: DCT along axis 0 (columns), then along axis 1 (rows). */
export function phashCoefficients(grey: GreyImage): Float64Array {
  const pixels = pilResizeLanczos(grey, PHASH_SIZE, PHASH_SIZE).data;
  const columns: Float64Array[] = [];
  const column = new Float64Array(PHASH_SIZE);
  for (let c = 0; c < PHASH_SIZE; c++) {
    for (let r = 0; r < PHASH_SIZE; r++) column[r] = pixels[r * PHASH_SIZE + c] as number;
    columns.push(dctLow(column, PHASH_BITS));
  }
  const low = new Float64Array(PHASH_BITS * PHASH_BITS);
  const row = new Float64Array(PHASH_SIZE);
  for (let k = 0; k < PHASH_BITS; k++) {
    for (let c = 0; c < PHASH_SIZE; c++) row[c] = (columns[c] as Float64Array)[k] as number;
    low.set(dctLow(row, PHASH_BITS), k * PHASH_BITS);
  }
  return low;
}

/** phash: 32x32, the top-left 8x8 DCT coefficients (DC included), bit = coefficient > their median. */
export function perceptualHashFromLuma(grey: GreyImage): string {
  const low = phashCoefficients(grey);
  const med = median(low);
  return bitsToHex(Array.from(low, (v) => v > med));
}

export interface ImageHashes {
  ahash: string;
  dhash: string;
  phash: string;
}

/** The three imagehash values of a decoded image, sharing one 'L' conversion. */
export function imageHashes(image: RawImage): ImageHashes {
  const grey = pilLuma(image);
  return {
    ahash: averageHashFromLuma(grey),
    dhash: differenceHashFromLuma(grey),
    phash: perceptualHashFromLuma(grey),
  };
}
