import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { admitImage, estimateJobBytes, jobMemoryBudgetBytes } from '../../src/media/image/admission.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { noiseGif } from '../support/animations.js';

const MiB = 1024 * 1024;
/** The dev worker (1,536 MB) less the function's own baseline (src/media/image/admission.ts). */
const DEV_BUDGET = jobMemoryBudgetBytes(1536);
const PROD_BUDGET = jobMemoryBudgetBytes(2048);
const thumbnail = [{ name: 'thumb', format: 'jpeg', maxWidth: 64, maxHeight: 64 }] as never;
const animatedOut = [{ name: 'anim', format: 'webp', maxWidth: 8, maxHeight: 8, animated: true }] as never;

let bomb: Buffer;
beforeAll(async () => {
  // 97 KB-class PNG of 10000x10000 (the 100 Mpx limit exactly): a flat colour compresses to almost nothing.
  bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#4080c0' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}, 60_000);

describe('admission by cost', () => {
  it('estimates from the header as measured: 13-14 B per source pixel for 8-bit RGB, more for 16-bit', () => {
    const rgb = estimateJobBytes(
      { width: 10_000, height: 10_000, channels: 3, depth: 'uchar', frames: 1 },
      4e6,
      false,
    );
    expect(rgb / MiB).toBeGreaterThan(1376); // the measured peak over the baseline
    expect(rgb / MiB).toBeLessThan(1500);
    const deep = estimateJobBytes(
      { width: 10_000, height: 10_000, channels: 4, depth: 'ushort', frames: 1 },
      4e6,
      false,
    );
    expect(deep).toBeGreaterThan(rgb);
  });

  it('refuses a 100 Mpx image on the dev worker before decoding it, with the estimate; prod takes it', () => {
    const header = { width: 10_000, height: 10_000, channels: 3, depth: 'uchar', frames: 1 };
    expect(() => admitImage(header, 4e6, false, { memoryBudgetBytes: DEV_BUDGET })).toThrow(
      expect.objectContaining({
        code: 'IMAGE_TOO_LARGE',
        message: expect.stringMatching(
          /10000x10000: it needs about 14\d\d MiB to process, over the worker's 1376 MiB/,
        ),
      }),
    );
    expect(admitImage(header, 4e6, false, { memoryBudgetBytes: PROD_BUDGET }).estimatedBytes).toBeLessThan(
      PROD_BUDGET,
    );
  });

  it('refuses the real 10000x10000 PNG in the pipeline at once, with no decode', async () => {
    const started = performance.now();
    await expect(processImage(bomb, thumbnail, { memoryBudgetBytes: DEV_BUDGET })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
    // A header read only: decoding 100 Mpx takes seconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses an animation over the frame limit, and takes one under it', { timeout: 30_000 }, async () => {
    const many = await noiseGif(1_500);
    expect((await sharp(many).metadata()).pages).toBe(1_500);
    await expect(processImage(many, animatedOut, {})).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: 'animation has 1500 frames, over the limit of 1000',
    });
    await expect(processImage(await noiseGif(60), animatedOut, { maxFrames: 50 })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
    const ok = await processImage(await noiseGif(60), animatedOut, {});
    expect(ok.source.frames).toBe(60);
  });
});
