/**
 * Magic-byte sniffing: the bytes decide the type, never the file name or the declared
 * Content-Type. Needs the first 64 bytes of the object.
 */
export type MediaKind = 'image' | 'video' | 'audio' | 'svg' | 'playlist' | 'unknown';

export interface SniffResult {
  kind: MediaKind;
  /** IANA media type, e.g. image/jpeg; application/octet-stream when unknown. */
  mime: string;
  /** Short format name as sharp/ffprobe know it (jpeg, png, webp, gif, heif, tiff, mp4, webm...). */
  format: string;
}

export const SNIFF_BYTES = 64;

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  signature.every((byte, i) => bytes[offset + i] === byte);

const ISO_BMFF_IMAGE_BRANDS = new Set([
  'avif',
  'avis',
  'heic',
  'heix',
  'hevc',
  'heim',
  'heis',
  'mif1',
  'msf1',
]);

export function sniff(head: Uint8Array): SniffResult {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return image('jpeg');
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png');
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return image('gif');
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return image('webp');
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return image('tiff');
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (ISO_BMFF_IMAGE_BRANDS.has(brand)) {
      return brand.startsWith('avi')
        ? { kind: 'image', mime: 'image/avif', format: 'heif' }
        : { kind: 'image', mime: 'image/heic', format: 'heif' };
    }
    if (brand === 'qt  ') return { kind: 'video', mime: 'video/quicktime', format: 'mov' };
    if (brand.startsWith('M4A')) return { kind: 'audio', mime: 'audio/mp4', format: 'm4a' };
    return { kind: 'video', mime: 'video/mp4', format: 'mp4' };
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]))
    return { kind: 'video', mime: 'video/webm', format: 'webm' };
  if (ascii(head, 0, 3) === 'ID3' || startsWith(head, [0xff, 0xfb])) {
    return { kind: 'audio', mime: 'audio/mpeg', format: 'mp3' };
  }
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(head)
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('#EXTM3U'))
    return { kind: 'playlist', mime: 'application/vnd.apple.mpegurl', format: 'hls' };
  if (/^<(\?xml|svg|!DOCTYPE svg)/i.test(text) && /<svg|<!DOCTYPE svg|<\?xml/i.test(text)) {
    return { kind: 'svg', mime: 'image/svg+xml', format: 'svg' };
  }
  return { kind: 'unknown', mime: 'application/octet-stream', format: 'unknown' };
}

function image(format: string): SniffResult {
  return { kind: 'image', mime: `image/${format}`, format };
}
