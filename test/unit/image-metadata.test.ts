import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { describe, expect, it } from 'vitest';
import type { MetadataPolicy, OutputSpec } from '../../src/core/job.js';
import { parseExif } from '../../src/media/image/exif.js';
import { iccDescription } from '../../src/media/image/metadata.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { PRESETS } from '../../src/presets/presets.js';
import { readFixture } from '../support/fixtures.js';

const ALL_FORMATS: OutputSpec[] = [
  { name: 'j', format: 'jpeg', width: 200, height: 200, fit: 'inside' },
  { name: 'p', format: 'png', width: 200, height: 200, fit: 'inside' },
  { name: 'w', format: 'webp', width: 200, height: 200, fit: 'inside' },
  { name: 'a', format: 'avif', width: 200, height: 200, fit: 'inside', effort: 0 },
];

/** A rotated JPEG (orientation 6) with camera, rights and GPS EXIF, plus XMP. */
async function cameraJpeg(): Promise<Buffer> {
  return sharp(readFixture('Landscape_1.jpg'))
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: {
        Make: 'TestCam',
        Model: 'Model X',
        Copyright: 'CC-BY Jane Doe',
        Artist: 'Jane Doe',
        DateTime: '2024:05:06 07:08:09',
      },
      IFD2: { DateTimeOriginal: '2024:05:06 07:08:09' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
    )
    .jpeg()
    .toBuffer();
}

async function outputsFor(policy: MetadataPolicy) {
  const input = await cameraJpeg();
  const result = await processImage(input, ALL_FORMATS, { metadataPolicy: policy });
  return Promise.all(
    result.outputs.map(async (output) => ({ output, meta: await sharp(output.data).metadata() })),
  );
}

describe('image metadata', () => {
  it('the input really carries GPS, rights and orientation (so the checks below mean something)', async () => {
    const meta = await sharp(await cameraJpeg()).metadata();
    const tags = parseExif(meta.exif);
    expect(tags.IFD3.GPSLatitude).toBe('51/1 30/1 0/1');
    expect(tags.IFD0.Copyright).toBe('CC-BY Jane Doe');
    expect(meta.orientation).toBe(6);
    expect(meta.xmp).toBeDefined();
  });

  it('extracts source metadata: oriented size, selected EXIF, never GPS', async () => {
    const result = await processImage(await cameraJpeg(), PRESETS.thumbnail);
    expect(result.source).toMatchObject({
      format: 'jpeg',
      width: 450,
      height: 600,
      orientation: 6,
      space: 'srgb',
      hasAlpha: false,
      frames: 1,
      exif: {
        make: 'TestCam',
        model: 'Model X',
        dateTime: '2024:05:06 07:08:09',
        copyright: 'CC-BY Jane Doe',
        artist: 'Jane Doe',
      },
    });
    expect(JSON.stringify(result.source)).not.toMatch(/gps|51\/1|latitude/i);
  });

  it('strip (default): outputs in every format carry no EXIF, GPS, XMP or ICC, and are oriented', async () => {
    for (const { output, meta } of await outputsFor('strip')) {
      expect([meta.exif, meta.xmp, meta.icc, meta.orientation], output.spec.name).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(output.height).toBeGreaterThan(output.width); // 150x200 after orientation 6
    }
  });

  it('selective: copyright, artist, camera and sRGB ICC; no GPS, no dates, no orientation tag', async () => {
    for (const { output, meta } of await outputsFor('selective')) {
      const tags = parseExif(meta.exif);
      expect(tags.IFD0, output.spec.name).toMatchObject({
        Copyright: 'CC-BY Jane Doe',
        Artist: 'Jane Doe',
        Make: 'TestCam',
      });
      expect(tags.IFD3).toEqual({});
      expect(tags.IFD0.DateTime).toBeUndefined();
      // libvips writes an identity Orientation (1) into any EXIF block it writes; never the source's 6
      expect([undefined, 1]).toContain(meta.orientation);
      expect(output.height).toBeGreaterThan(output.width);
      expect(meta.xmp).toBeUndefined();
      expect(iccDescription(meta.icc)).toMatch(/sRGB/);
    }
  });

  it('preserve: EXIF incl. GPS and XMP are kept (explicit opt-in), never the orientation tag', async () => {
    const results = await outputsFor('preserve');
    const jpeg = results.find(({ output }) => output.format === 'jpeg');
    const tags = parseExif(jpeg?.meta.exif);
    expect(tags.IFD3.GPSLatitude).toBe('51/1 30/1 0/1');
    expect(tags.IFD2.DateTimeOriginal).toBe('2024:05:06 07:08:09');
    expect(jpeg?.meta.xmp).toBeDefined();
    for (const { output, meta } of results) {
      expect([undefined, 1]).toContain(meta.orientation);
      expect(output.height).toBeGreaterThan(output.width);
    }
  });

  it('preserve still converts CMYK to sRGB (and says so with an sRGB profile)', async () => {
    const result = await processImage(
      readFixture('Channel_digital_image_CMYK_color.jpg'),
      PRESETS.thumbnail,
      {
        metadataPolicy: 'preserve',
      },
    );
    const meta = await sharp(result.outputs[0]?.data).metadata();
    expect(meta.space).toBe('srgb');
    expect(iccDescription(meta.icc)).toMatch(/sRGB/);
  });

  it('returns a thumbhash placeholder made from the decoded pixels', async () => {
    const result = await processImage(readFixture('Flag_of_the_Netherlands-16bit.png'), PRESETS.thumbnail);
    const hash = Buffer.from(result.placeholder.thumbhash, 'base64');
    expect(hash.length).toBeGreaterThan(5);
    expect(hash.length).toBeLessThan(40);
    expect(Math.abs(thumbHashToApproximateAspectRatio(hash) - 1.5)).toBeLessThan(0.15);
    // reference: the flag's mean colour by an independent 8-bit read (red, white, blue thirds)
    const pixels = await sharp(readFixture('Flag_of_the_Netherlands-16bit.png'))
      .resize(90, 60)
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer();
    const means = [0, 1, 2].map((c) => {
      let sum = 0;
      for (let i = c; i < pixels.length; i += 3) sum += pixels[i] ?? 0;
      return sum / (pixels.length / 3) / 255;
    });
    const average = thumbHashToAverageRGBA(hash);
    expect(Math.abs(average.r - (means[0] ?? 0))).toBeLessThan(0.1);
    expect(Math.abs(average.b - (means[2] ?? 0))).toBeLessThan(0.1);
  });

  it('returns the decoded raster at the largest needed size, never below minDecodeSize', async () => {
    const input = readFixture('2569067123_aca715a2ee_o.jpg'); // 2725x2225
    const thumb = await processImage(input, PRESETS.thumbnail);
    // cover 320x320 needs 392x320 (the short side must reach 320)
    expect([thumb.decoded.width, thumb.decoded.height, thumb.decoded.channels]).toEqual([392, 320, 3]);
    expect(thumb.decoded.data.length).toBe(392 * 320 * 3);
    const atLeast = await processImage(input, PRESETS.thumbnail, { minDecodeSize: 1024 });
    expect([atLeast.decoded.width, atLeast.decoded.height]).toEqual([1024, 836]);
    const small = await processImage(readFixture('320x240.jpg'), PRESETS.thumbnail, { minDecodeSize: 1024 });
    expect([small.decoded.width, small.decoded.height]).toEqual([320, 240]);
    const web = await processImage(input, PRESETS.web);
    expect([web.decoded.width, web.decoded.height]).toEqual([1600, 1306]);
    // the raster is the oriented image: Landscape_6 decodes as 600x450, like Landscape_1
    const rotated = await processImage(readFixture('Landscape_6.jpg'), PRESETS.thumbnail, {
      minDecodeSize: 600,
    });
    expect([rotated.decoded.width, rotated.decoded.height]).toEqual([600, 450]);
  });
});
