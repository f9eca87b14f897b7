import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { OutputSpec } from '../../src/core/job.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { PRESETS } from '../../src/presets/presets.js';
import { readFixture } from '../support/fixtures.js';
import { flatPngBomb } from '../support/png-bomb.js';

const fixture = readFixture;
const fullSize: OutputSpec[] = [{ name: 'full', format: 'png', fit: 'inside' }];

async function greyPixels(image: Buffer) {
  return sharp(image).resize(60, 45, { fit: 'fill' }).greyscale().raw().toBuffer();
}

describe('image pipeline v1', () => {
  it('auto-orients all eight EXIF orientations to the same 600x450 landscape', async () => {
    const reference = await processImage(fixture('Landscape_1.jpg'), fullSize);
    const referencePixels = await greyPixels(reference.outputs[0]?.data as Buffer);
    for (let orientation = 1; orientation <= 8; orientation++) {
      const result = await processImage(fixture(`Landscape_${orientation}.jpg`), fullSize);
      const output = result.outputs[0];
      expect([output?.width, output?.height, result.source.width, result.source.height]).toEqual([
        600, 450, 600, 450,
      ]);
      const pixels = await greyPixels(output?.data as Buffer);
      let totalDifference = 0;
      for (let i = 0; i < pixels.length; i++)
        totalDifference += Math.abs((pixels[i] ?? 0) - (referencePixels[i] ?? 0));
      expect(totalDifference / pixels.length, `orientation ${orientation}`).toBeLessThan(6);
    }
  });

  it('renders the web preset from one decode, within the requested boxes', async () => {
    const result = await processImage(fixture('2569067123_aca715a2ee_o.jpg'), PRESETS.web);
    const byName = Object.fromEntries(result.outputs.map((output) => [output.spec.name, output]));
    expect(byName.large).toMatchObject({ width: 1600, height: 1306, format: 'jpeg' });
    expect(byName['medium-webp']).toMatchObject({ width: 800, height: 653, format: 'webp' });
    expect(byName.thumb).toMatchObject({ width: 320, height: 320 });
    const decoded = await sharp(byName['large-webp']?.data).metadata();
    expect(decoded.format).toBe('webp');
  });

  it('strips EXIF (incl. GPS) and converts CMYK to sRGB', async () => {
    const input = await sharp(fixture('320x240.jpg'))
      .withExif({ IFD0: { Copyright: 'me' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const result = await processImage(input, PRESETS.thumbnail);
    for (const output of result.outputs) {
      const metadata = await sharp(output.data).metadata();
      expect(metadata.exif).toBeUndefined();
    }
    const cmyk = await processImage(fixture('Channel_digital_image_CMYK_color.jpg'), PRESETS.thumbnail);
    expect(cmyk.source.space).toBe('cmyk');
    expect((await sharp(cmyk.outputs[0]?.data).metadata()).space).toBe('srgb');
  });

  it('refuses a decompression bomb from its header, quickly', async () => {
    const bomb = flatPngBomb(30_000, 30_000);
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({
      width: 30_000,
      height: 30_000,
    });
    const started = Date.now();
    await expect(processImage(bomb, PRESETS.web)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      kind: 'input',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  }, 60_000);

  it('fails truncated and non-image input with a terminal input error', async () => {
    const jpeg = fixture('320x240.jpg');
    await expect(processImage(jpeg.subarray(0, 600), PRESETS.web)).rejects.toMatchObject({
      code: 'CORRUPT_MEDIA',
      kind: 'input',
    });
    await expect(processImage(Buffer.from('not an image'), PRESETS.web)).rejects.toMatchObject({
      code: 'CORRUPT_MEDIA',
    });
  });
});
