import sharp from 'sharp';

/**
 * A decoded image as interleaved 8-bit samples, row-major: 1 (grey), 2 (grey+alpha), 3 (RGB) or
 * 4 (RGBA) channels. The image worker hands its decoded buffer over in this shape; alpha is ignored by
 * every hash (as Meta's and PIL's conversions ignore it).
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export function assertRawImage(image: RawImage): void {
  const { data, width, height, channels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new RangeError(`unsupported channel count ${channels}`);
  }
  if (data.length < width * height * channels) {
    throw new RangeError(`buffer holds ${data.length} bytes, ${width}x${height}x${channels} needs more`);
  }
}

export interface DecodeForHashingOptions {
  /**
   * Convert through the embedded ICC profile to sRGB first. Default false: hash the stored pixel values,
   * as Meta's PDQ references (C++ CImg, Java ImageIO) and Pillow (imagehash) all do, so hashes agree
   * with theirs. For a Display P3 photo (pen-and-coaster.png) colour management moves PDQ by 2 bits.
   */
  colourManaged?: boolean;
}

/**
 * Decodes a file (or bytes) at full resolution for hashing: EXIF orientation applied, RGB(A) 8 bits per
 * sample, alpha kept (and ignored by the hashes), embedded ICC profile ignored unless asked. For the
 * CLI and tests; the worker reuses its own decode.
 */
export async function decodeForHashing(
  input: string | Buffer,
  options: DecodeForHashingOptions = {},
): Promise<RawImage> {
  const { data, info } = await sharp(input, {
    limitInputPixels: 268_402_689,
    ignoreIcc: !options.colourManaged,
  })
    .autoOrient()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
