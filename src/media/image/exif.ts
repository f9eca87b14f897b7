import type { Exif } from 'sharp';
import type { MetadataPolicy, SourceExif } from '../../core/job.js';

/**
 * A small EXIF (TIFF IFD) reader: enough to report selected fields and to write chosen tags back
 * with sharp's `withExif` (libvips takes tag values as strings). Malformed EXIF yields what could be
 * read; it never throws, because EXIF is metadata, not the image.
 */
type IfdName = 'IFD0' | 'IFD2' | 'IFD3';
export type ExifTags = Record<IfdName, Record<string, string>>;

// Tag number -> libexif name (the names libvips expects in `exif-ifdN-<Name>`), per IFD.
const TAGS: Record<IfdName, Record<number, string>> = {
  IFD0: {
    270: 'ImageDescription',
    271: 'Make',
    272: 'Model',
    305: 'Software',
    306: 'DateTime',
    315: 'Artist',
    33432: 'Copyright',
  },
  IFD2: {
    33434: 'ExposureTime',
    33437: 'FNumber',
    34855: 'ISOSpeedRatings',
    36867: 'DateTimeOriginal',
    36868: 'DateTimeDigitized',
    37386: 'FocalLength',
    42035: 'LensMake',
    42036: 'LensModel',
  },
  IFD3: {
    1: 'GPSLatitudeRef',
    2: 'GPSLatitude',
    3: 'GPSLongitudeRef',
    4: 'GPSLongitude',
    6: 'GPSAltitude',
  },
};
const EXIF_POINTER = 0x8769;
const GPS_POINTER = 0x8825;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 9: 4, 10: 8 };

export function parseExif(buffer: Buffer | undefined): ExifTags {
  const tags: ExifTags = { IFD0: {}, IFD2: {}, IFD3: {} };
  if (!buffer) return tags;
  const tiff = buffer.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? buffer.subarray(6) : buffer;
  if (tiff.length < 8) return tags;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const i32 = (at: number) => (little ? tiff.readInt32LE(at) : tiff.readInt32BE(at));

  const readIfd = (offset: number, ifd: IfdName, visited: Set<number>): void => {
    if (visited.has(offset) || offset + 2 > tiff.length) return;
    visited.add(offset);
    const count = u16(offset);
    for (let i = 0; i < count && i < 512; i++) {
      const entry = offset + 2 + i * 12;
      if (entry + 12 > tiff.length) return;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const n = u32(entry + 4);
      if (ifd === 'IFD0' && (tag === EXIF_POINTER || tag === GPS_POINTER)) {
        readIfd(u32(entry + 8), tag === EXIF_POINTER ? 'IFD2' : 'IFD3', visited);
        continue;
      }
      const name = TAGS[ifd][tag];
      const size = TYPE_SIZE[type];
      if (!name || !size || n === 0 || n > 1024) continue;
      const at = size * n <= 4 ? entry + 8 : u32(entry + 8);
      if (at + size * n > tiff.length) continue;
      const value = readValue(type, n, at);
      if (value) tags[ifd][name] = value;
    }
  };

  const readValue = (type: number, n: number, at: number): string | undefined => {
    if (type === 2) {
      return tiff
        .toString('utf8', at, at + n)
        .replace(/\0.*$/s, '')
        .trim();
    }
    const values: string[] = [];
    for (let k = 0; k < n; k++) {
      if (type === 1) values.push(String(tiff.readUInt8(at + k)));
      else if (type === 3) values.push(String(u16(at + 2 * k)));
      else if (type === 4) values.push(String(u32(at + 4 * k)));
      else if (type === 9) values.push(String(i32(at + 4 * k)));
      else if (type === 5) values.push(`${u32(at + 8 * k)}/${u32(at + 8 * k + 4)}`);
      else if (type === 10) values.push(`${i32(at + 8 * k)}/${i32(at + 8 * k + 4)}`);
    }
    return values.join(' ');
  };

  try {
    if (u16(2) !== 42) return tags;
    readIfd(u32(4), 'IFD0', new Set());
  } catch {
    // Out-of-range offsets in a malformed block: keep what was read.
  }
  return tags;
}

/** The fields reported in the source metadata. GPS is never reported. */
export function selectedExif(tags: ExifTags): SourceExif | undefined {
  const exif: SourceExif = {
    make: tags.IFD0.Make,
    model: tags.IFD0.Model,
    dateTime: tags.IFD2.DateTimeOriginal ?? tags.IFD0.DateTime,
    copyright: tags.IFD0.Copyright,
    artist: tags.IFD0.Artist,
  };
  const present = Object.entries(exif).filter(([, value]) => value);
  return present.length ? (Object.fromEntries(present) as SourceExif) : undefined;
}

const SELECTIVE_IFD0 = ['Copyright', 'Artist', 'Make', 'Model'];

/**
 * EXIF to write on outputs under a metadata policy. strip: none. selective: copyright, artist and
 * camera make/model (no dates, no GPS). preserve: every tag this reader knows, GPS included (the
 * client asked for it). Never the Orientation tag: the pixels are already oriented.
 */
export function exifForPolicy(tags: ExifTags, policy: MetadataPolicy): Exif | undefined {
  if (policy === 'strip') return undefined;
  const pick = (from: Record<string, string>, names?: string[]) =>
    Object.fromEntries(Object.entries(from).filter(([name]) => !names || names.includes(name)));
  const exif: Exif =
    policy === 'selective'
      ? { IFD0: pick(tags.IFD0, SELECTIVE_IFD0) }
      : { IFD0: pick(tags.IFD0), IFD2: pick(tags.IFD2), IFD3: pick(tags.IFD3) };
  const nonEmpty = Object.entries(exif).filter(([, dir]) => dir && Object.keys(dir).length > 0);
  return nonEmpty.length ? (Object.fromEntries(nonEmpty) as Exif) : undefined;
}
