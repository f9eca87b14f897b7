/** Output sizes and bitrates. All sizes are display sizes (rotation and sample aspect applied). */
export interface Size {
  width: number;
  height: number;
}

export const DEFAULT_LADDER = [1080, 720, 480, 360] as const;

/**
 * Even dimensions (4:2:0 chroma needs them) with the shorter side at most `shortSide`, aspect kept,
 * never larger than the source: an odd 641x359 source becomes 640x358, not 642x360.
 */
export function scaleToShortSide(source: Size, shortSide: number): Size {
  const scale = Math.min(1, shortSide / Math.min(source.width, source.height));
  return {
    width: evenWithin(source.width * scale, source.width),
    height: evenWithin(source.height * scale, source.height),
  };
}

/** Largest even size inside the box with the source's aspect, never above the source. */
export function fitBox(source: Size, boxWidth: number, boxHeight: number): Size {
  const scale = Math.min(1, boxWidth / source.width, boxHeight / source.height);
  return scaleToShortSide(source, Math.min(source.width, source.height) * scale);
}

function evenWithin(value: number, limit: number): number {
  const even = 2 * Math.round(value / 2);
  return Math.max(2, Math.min(even, 2 * Math.floor(limit / 2)));
}

/**
 * Ladder rungs for a source: the wanted rungs no higher than the source's shorter side (never
 * upscale); a source smaller than every rung gets one rung at its own size. Duplicate sizes (after
 * rounding to even) collapse.
 */
export function chooseRungs(display: Size, ladder: readonly number[], maxHeight: number): Size[] {
  const shorter = Math.min(display.width, display.height);
  const wanted = [...new Set(ladder)].filter((p) => p <= maxHeight).sort((a, b) => b - a);
  const fitting = wanted.filter((p) => p <= shorter);
  const picks = fitting.length > 0 ? fitting : [Math.min(shorter, maxHeight)];
  const sizes = picks.map((p) => scaleToShortSide(display, p));
  return sizes.filter(
    (size, i) => sizes.findIndex((s) => s.width === size.width && s.height === size.height) === i,
  );
}

/**
 * H.264 target bitrate: 5 Mb/s at 1080p30, scaling with pixels^0.75 (bits per pixel fall as size
 * grows), so 720p ≈ 2.7 Mb/s, 480p ≈ 1.5 Mb/s, 360p ≈ 950 kb/s; high frame rates get 1.5x.
 */
export function videoBitrateKbps(size: Size, fps: number): number {
  const relativePixels = (size.width * size.height) / (1920 * 1080);
  const kbps = 5000 * relativePixels ** 0.75 * (fps > 40 ? 1.5 : 1);
  return Math.max(100, Math.round(kbps / 50) * 50);
}
