import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { type DecodedRaster, firstFrame } from './encode.js';
import { guarded } from './safety.js';

/**
 * A ThumbHash placeholder (base64, ~25 bytes) from the already-decoded raster: downscaled to fit
 * 100x100 straight from the raw pixels, so the source is not decoded a second time.
 */
export async function thumbhashOf(raster: DecodedRaster): Promise<string> {
  const frame = firstFrame(raster);
  const { data, info } = await guarded(() =>
    sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: frame.channels } })
      .resize({ width: 100, height: 100, fit: 'inside' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

/** Undoes premultiplied alpha in place (sharp returns resized RGBA/grey-alpha premultiplied). */
export function unpremultiply(data: Buffer, channels: number): void {
  const colour = channels - 1;
  for (let i = 0; i < data.length; i += channels) {
    const alpha = data[i + colour] as number;
    if (alpha === 255) continue;
    for (let c = 0; c < colour; c++) {
      data[i + c] = alpha === 0 ? 0 : Math.min(255, Math.round(((data[i + c] as number) * 255) / alpha));
    }
  }
}
