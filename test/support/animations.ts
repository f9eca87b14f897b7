import sharp from 'sharp';

/**
 * An animated GIF of `frames` distinct 8x8 noise frames. Distinct, because sharp's GIF encoder merges
 * identical frames (a GIF of one repeated frame comes out with a single page).
 */
export async function noiseGif(frames: number): Promise<Buffer> {
  const pictures = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp(
        Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, j) => (i * 31 + j * 17 + ((i * j) % 97)) & 255)),
        {
          raw: { width: 8, height: 8, channels: 3 },
        },
      )
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pictures, { join: { animated: true } })
    .gif()
    .toBuffer();
}
