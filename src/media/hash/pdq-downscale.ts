import type { RawImage } from './raw-image.js';

/**
 * The float stages of PDQ before the DCT, ported from Meta's ThreatExchange reference
 * (pdq/cpp/downscaling/downscaling.cpp, pdq/cpp/hashing/pdqhashing.cpp). The C++ computes in 32-bit
 * float; every operation here is rounded with Math.fround (or by a Float32Array store) at the same
 * point, so the results are bit-identical. (A float32 sum, product or quotient computed in double and
 * rounded once to float32 equals the float32 operation: double has more than 2 x 24 + 2 bits.)
 *
 * The evaluation order differs where that cannot change a value: rows are filtered four at a time
 * (independent running sums, so their latency chains overlap), columns all together row by row
 * (cache-friendly), luminance is computed row by row as the first pass reads it, and the last pass only
 * produces what the 64x64 decimation samples.
 */

const fround = Math.fround;
const LUMA_R = fround(0.299);
const LUMA_G = fround(0.587);
const LUMA_B = fround(0.114);
// float * uint8 products, precomputed (the same values); Float64Array holds them exactly.
const TABLE_R = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_R * v));
const TABLE_G = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_G * v));
const TABLE_B = Float64Array.from({ length: 256 }, (_, v) => fround(LUMA_B * v));

/** fillFloatLumaFromRGB / fillFloatLumaFromGrey for one row: Y = 0.299 R + 0.587 G + 0.114 B (float32). */
function lumaRow(image: RawImage, row: number, out: Float32Array): Float32Array {
  const { data, channels, width } = image;
  let p = row * width * channels;
  if (channels >= 3) {
    for (let i = 0; i < width; i++, p += channels) {
      const rg = fround((TABLE_R[data[p] as number] as number) + (TABLE_G[data[p + 1] as number] as number));
      out[i] = rg + (TABLE_B[data[p + 2] as number] as number);
    }
  } else {
    for (let i = 0; i < width; i++, p += channels) out[i] = data[p] as number;
  }
  return out;
}

/** Float luminance of the whole image, row-major. */
export function floatLuma(image: RawImage): Float32Array {
  const out = new Float32Array(image.width * image.height);
  for (let r = 0; r < image.height; r++)
    lumaRow(image, r, out.subarray(r * image.width, (r + 1) * image.width));
  return out;
}

/** computeJaroszFilterWindowSize: (old + 2 new - 1) / (2 new), integer division. */
export const jaroszWindow = (oldDimension: number, newDimension: number) =>
  Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));

/** decimateFloat's sample positions: floor((i + 0.5) * N / out), the target centres. */
export function samplePositions(size: number, count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => Math.trunc(((i + 0.5) * size) / count));
}

/**
 * box1DFloat on four rows at once (the same row may be repeated). Outputs are written where keep[i] is
 * 1 (the running sums are computed over the whole row regardless).
 */
function boxFourRows(ins: Float32Array[], outs: Float32Array[], n: number, window: number, keep: Uint8Array) {
  const [i0, i1, i2, i3] = ins as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [o0, o1, o2, o3] = outs as [Float32Array, Float32Array, Float32Array, Float32Array];
  const half = Math.floor((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = n - window;
  const phase4 = half - 1;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    s0 = fround(s0 + (i0[ri] as number));
    s1 = fround(s1 + (i1[ri] as number));
    s2 = fround(s2 + (i2[ri] as number));
    s3 = fround(s3 + (i3[ri] as number));
    count++;
  }
  for (let i = 0; i < phase2; i++, ri++, oi++) {
    count++;
    s0 = fround(s0 + (i0[ri] as number));
    s1 = fround(s1 + (i1[ri] as number));
    s2 = fround(s2 + (i2[ri] as number));
    s3 = fround(s3 + (i3[ri] as number));
    if (keep[oi] === 1) {
      o0[oi] = s0 / count;
      o1[oi] = s1 / count;
      o2[oi] = s2 / count;
      o3[oi] = s3 / count;
    }
  }
  for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + (i0[ri] as number)) - (i0[li] as number));
    s1 = fround(fround(s1 + (i1[ri] as number)) - (i1[li] as number));
    s2 = fround(fround(s2 + (i2[ri] as number)) - (i2[li] as number));
    s3 = fround(fround(s3 + (i3[ri] as number)) - (i3[li] as number));
    if (keep[oi] === 1) {
      o0[oi] = s0 / count;
      o1[oi] = s1 / count;
      o2[oi] = s2 / count;
      o3[oi] = s3 / count;
    }
  }
  for (let i = 0; i < phase4; i++, li++, oi++) {
    count--;
    s0 = fround(s0 - (i0[li] as number));
    s1 = fround(s1 - (i1[li] as number));
    s2 = fround(s2 - (i2[li] as number));
    s3 = fround(s3 - (i3[li] as number));
    if (keep[oi] === 1) {
      o0[oi] = s0 / count;
      o1[oi] = s1 / count;
      o2[oi] = s2 / count;
      o3[oi] = s3 / count;
    }
  }
}

/** Row pass over all rows: input row r from `load`, output row r handed to `emit`. */
function boxRows(
  rows: number,
  cols: number,
  window: number,
  keep: Uint8Array,
  load: (row: number, scratch: Float32Array) => Float32Array,
  target: (row: number, scratch: Float32Array) => Float32Array,
  emit?: (row: number, out: Float32Array) => void,
) {
  const inScratch = Array.from({ length: 4 }, () => new Float32Array(cols));
  const outScratch = Array.from({ length: 4 }, () => new Float32Array(cols));
  for (let r = 0; r < rows; r += 4) {
    const ids = [0, 1, 2, 3].map((k) => Math.min(r + k, rows - 1));
    const ins = ids.map((row, k) => load(row, inScratch[k] as Float32Array));
    const outs = ids.map((row, k) => target(row, outScratch[k] as Float32Array));
    boxFourRows(ins, outs, cols, window, keep);
    if (emit) for (let k = 0; k < 4 && r + k < rows; k++) emit(r + k, outs[k] as Float32Array);
  }
}

/** box1DFloat down every column; all columns advance together, each with its own running sum. */
function boxAlongCols(input: Float32Array, out: Float32Array, rows: number, cols: number, window: number) {
  const sums = new Float32Array(cols);
  const half = Math.floor((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = rows - window;
  const phase4 = half - 1;
  let li = 0;
  let ri = 0;
  let oi = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri += cols) {
    for (let j = 0; j < cols; j++) sums[j] = (sums[j] as number) + (input[ri + j] as number);
    count++;
  }
  for (let i = 0; i < phase2; i++, ri += cols, oi += cols) {
    count++;
    for (let j = 0; j < cols; j++) {
      const s = fround((sums[j] as number) + (input[ri + j] as number));
      sums[j] = s;
      out[oi + j] = s / count;
    }
  }
  for (let i = 0; i < phase3; i++, ri += cols, li += cols, oi += cols) {
    for (let j = 0; j < cols; j++) {
      const s = fround(fround((sums[j] as number) + (input[ri + j] as number)) - (input[li + j] as number));
      sums[j] = s;
      out[oi + j] = s / count;
    }
  }
  for (let i = 0; i < phase4; i++, li += cols, oi += cols) {
    count--;
    for (let j = 0; j < cols; j++) {
      const s = fround((sums[j] as number) - (input[li + j] as number));
      sums[j] = s;
      out[oi + j] = s / count;
    }
  }
}

/**
 * jaroszFilterFloat (`passes` x (row box, column box), window (dim + 2 out - 1) / (2 out) per axis) on
 * the image's float luminance, then decimateFloat to outRows x outCols. Identical values to the
 * reference's fill-luma, filter, decimate.
 */
export function jaroszDownsample(
  image: RawImage,
  passes: number,
  outRows: number,
  outCols: number,
): Float32Array {
  const { height: rows, width: cols } = image;
  const windowAlongRows = jaroszWindow(cols, outCols);
  const windowAlongCols = jaroszWindow(rows, outRows);
  const colAt = samplePositions(cols, outCols);
  const rowAt = samplePositions(rows, outRows);
  const all = new Uint8Array(cols).fill(1);
  const sampled = new Uint8Array(cols);
  for (const c of colAt) sampled[c] = 1;
  const buffer1 = new Float32Array(rows * cols);
  const buffer2 = new Float32Array(rows * cols);
  const rowOf = (buffer: Float32Array) => (r: number) => buffer.subarray(r * cols, (r + 1) * cols);
  for (let pass = 0; pass < passes - 1; pass++) {
    const load =
      pass === 0 ? (r: number, scratch: Float32Array) => lumaRow(image, r, scratch) : rowOf(buffer1);
    boxRows(rows, cols, windowAlongRows, all, load, rowOf(buffer2));
    boxAlongCols(buffer2, buffer1, rows, cols, windowAlongCols);
  }
  // Last pass: only the sampled columns of the row pass, gathered; columns boxed; sampled rows kept.
  const n = colAt.length;
  const gathered = new Float32Array(rows * n);
  const load =
    passes === 1 ? (r: number, scratch: Float32Array) => lumaRow(image, r, scratch) : rowOf(buffer1);
  boxRows(
    rows,
    cols,
    windowAlongRows,
    sampled,
    load,
    (_r, scratch) => scratch,
    (r, out) => {
      for (let j = 0; j < n; j++) gathered[r * n + j] = out[colAt[j] as number] as number;
    },
  );
  const boxed = new Float32Array(rows * n);
  boxAlongCols(gathered, boxed, rows, n, windowAlongCols);
  const result = new Float32Array(outRows * n);
  for (const [i, r] of rowAt.entries()) result.set(boxed.subarray(r * n, (r + 1) * n), i * n);
  return result;
}
