import sharp, { type ResizeOptions } from 'sharp';
import type { ImageFormat, OutputSpec, QualityLevel } from '../../core/job.js';

/**
 * Semantic quality per codec: one number for all codecs would be wrong (JPEG 80 ≈ WebP 80 ≈ AVIF 55
 * visually). 'high' is the default and matches the v1 defaults. PNG is lossless; its number is the
 * palette quantisation quality and only matters with `palette: true`.
 */
export const QUALITY: Record<ImageFormat, Record<QualityLevel, number>> = {
  jpeg: { low: 60, medium: 72, high: 82, max: 92 },
  webp: { low: 55, medium: 68, high: 80, max: 90 },
  avif: { low: 35, medium: 45, high: 55, max: 70 },
  png: { low: 40, medium: 60, high: 80, max: 100 },
};

/** Default encoder effort: chosen for a worker's time budget (AVIF effort 4 ≈ 1.4 s at 1280x960). */
export const DEFAULT_EFFORT = { png: 7, webp: 4, avif: 4 } as const;

export const DEFAULT_BACKGROUND = '#ffffff';

export function qualityFor(spec: OutputSpec): number {
  const quality = spec.quality ?? 'high';
  return typeof quality === 'number' ? quality : QUALITY[spec.format][quality];
}

export function effortFor(spec: OutputSpec & { format: 'png' | 'webp' | 'avif' }): number {
  return spec.effort ?? DEFAULT_EFFORT[spec.format];
}

/** How far the source must be scaled for this output (1 = full size, never above 1). */
export function scaleNeeded(spec: OutputSpec, width: number, height: number): number {
  const sx = spec.width ? spec.width / width : undefined;
  const sy = spec.height ? spec.height / height : undefined;
  if (sx === undefined && sy === undefined) return 1;
  if (sx === undefined || sy === undefined) return Math.min(1, (sx ?? sy) as number);
  const fill = spec.fit === 'cover' || spec.fit === 'outside' || spec.fit === 'fill';
  return Math.min(1, fill ? Math.max(sx, sy) : Math.min(sx, sy));
}

/**
 * The size to decode to: the largest any output needs, but never below `minDecodeSize` on the
 * longer side (when the source has that many pixels). Shrink-on-load does the heavy lifting.
 */
export function decodeSize(
  specs: readonly OutputSpec[],
  width: number,
  height: number,
  minDecodeSize = 0,
): { width: number; height: number } {
  const longer = Math.max(width, height);
  let scale = Math.max(...specs.map((spec) => scaleNeeded(spec, width, height)));
  if (minDecodeSize > 0) scale = Math.max(scale, Math.min(1, minDecodeSize / longer));
  scale = Math.min(1, scale);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * sharp's resize options for a spec, given the raster it resizes. A `cover` box larger than the source
 * (and no `enlarge`) shrinks to the largest box of the same aspect that fits the source, so the output
 * still has the requested shape (a 1200x630 card from a 600x450 photo is 600x315, not the whole photo).
 */
export function resizeOptions(
  spec: OutputSpec,
  sourceWidth: number,
  sourceHeight: number,
): ResizeOptions | undefined {
  if (!spec.width && !spec.height) return undefined;
  let { width, height } = spec;
  if (spec.fit === 'cover' && !spec.enlarge && width && height) {
    const scale = Math.min(1, sourceWidth / width, sourceHeight / height);
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
  }
  const smart = spec.position === 'attention' || spec.position === 'entropy';
  const position =
    spec.position === undefined
      ? spec.fit === 'cover'
        ? sharp.strategy.attention
        : 'centre'
      : smart
        ? sharp.strategy[spec.position as 'attention' | 'entropy']
        : spec.position;
  return {
    width,
    height,
    fit: spec.fit,
    position,
    withoutEnlargement: !spec.enlarge,
    background: spec.background ?? DEFAULT_BACKGROUND,
  };
}
