import type { Metadata } from 'sharp';
import type { SourceMetadata } from '../../core/job.js';
import { type ExifTags, parseExif, selectedExif } from './exif.js';

export interface SourceInfo {
  metadata: SourceMetadata;
  exif: ExifTags;
  xmp?: string;
  /** Frame dimensions after orientation (for animations: one frame). */
  width: number;
  height: number;
  frames: number;
}

/** Source metadata from the header read (no pixel decode): oriented size, colour, frames, EXIF. */
export function describeSource(meta: Metadata, bytes: number): SourceInfo {
  // Animation frames: GIF/WebP only. (HEIF "pages" are separate images; TIFF pages are documents.)
  const animatable = meta.format === 'gif' || meta.format === 'webp';
  const frames = animatable ? Math.max(1, meta.pages ?? 1) : 1;
  const oriented = (meta.orientation ?? 1) >= 5;
  // A header read without `animated` reports one frame's height already; pageHeight when present.
  const rawHeight = frames > 1 && meta.pageHeight ? meta.pageHeight : meta.height;
  const width = (oriented ? rawHeight : meta.width) ?? 0;
  const height = (oriented ? meta.width : rawHeight) ?? 0;
  const exif = parseExif(meta.exif);
  const metadata: SourceMetadata = {
    format: meta.format ?? 'unknown',
    width,
    height,
    orientation: meta.orientation,
    space: meta.space,
    depth: meta.depth,
    iccDescription: iccDescription(meta.icc),
    hasAlpha: meta.hasAlpha,
    frames,
    exif: selectedExif(exif),
    bytes,
  };
  for (const key of Object.keys(metadata) as (keyof SourceMetadata)[]) {
    if (metadata[key] === undefined) delete metadata[key];
  }
  return { metadata, exif, xmp: meta.xmpAsString, width, height, frames };
}

/** The `desc` tag of an ICC profile (v2 `desc` or v4 `mluc`), or undefined if unreadable. */
export function iccDescription(icc: Buffer | undefined): string | undefined {
  if (!icc || icc.length < 132) return undefined;
  try {
    const count = icc.readUInt32BE(128);
    for (let i = 0; i < count && i < 100; i++) {
      const entry = 132 + i * 12;
      if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
      const at = icc.readUInt32BE(entry + 4);
      const type = icc.toString('latin1', at, at + 4);
      if (type === 'desc') {
        const length = icc.readUInt32BE(at + 8);
        return clean(icc.toString('latin1', at + 12, at + 12 + Math.min(length, 256)));
      }
      if (type === 'mluc') {
        const length = icc.readUInt32BE(at + 20);
        const offset = icc.readUInt32BE(at + 24);
        const utf16 = Buffer.from(icc.subarray(at + offset, at + offset + Math.min(length, 512)));
        return clean(utf16.swap16().toString('utf16le'));
      }
      return undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const clean = (text: string) => text.replace(/\0.*$/s, '').trim() || undefined;
