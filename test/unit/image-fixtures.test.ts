import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { OutputSpec } from '../../src/core/job.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { classifyError, configureDecoders } from '../../src/media/image/safety.js';
import { PRESETS } from '../../src/presets/presets.js';
import { readFixture } from '../support/fixtures.js';
import { flatPngBomb } from '../support/png-bomb.js';

const meanAbsDiff = (a: Buffer, b: Buffer) => {
  expect(a.length).toBe(b.length);
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return total / a.length;
};
const rgb = (image: Buffer, width: number, height: number) =>
  sharp(image)
    .flatten({ background: '#ffffff' })
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();

// Every image of ../shared/fixtures/images/sharp/ (copies in test/fixtures/images/), with what the
// header read must report: oriented frame size, frames, colour space as decoded.
const FIXTURES: [string, { format: string; width: number; height: number; frames: number; space: string }][] =
  [
    ['16-bit-grey-alpha.png', { format: 'png', width: 109, height: 96, frames: 1, space: 'grey16' }],
    ['2569067123_aca715a2ee_o.jpg', { format: 'jpeg', width: 2725, height: 2225, frames: 1, space: 'srgb' }],
    ['320x240.jpg', { format: 'jpeg', width: 320, height: 240, frames: 1, space: 'srgb' }],
    ['4.webp', { format: 'webp', width: 1024, height: 772, frames: 1, space: 'srgb' }],
    [
      'Channel_digital_image_CMYK_color.jpg',
      { format: 'jpeg', width: 500, height: 333, frames: 1, space: 'cmyk' },
    ],
    [
      'Flag_of_the_Netherlands-16bit.png',
      { format: 'png', width: 900, height: 600, frames: 1, space: 'rgb16' },
    ],
    ['G31D.TIF', { format: 'tiff', width: 2464, height: 3248, frames: 1, space: 'b-w' }],
    ...[1, 2, 3, 4, 5, 6, 7, 8].map(
      (n) =>
        [`Landscape_${n}.jpg`, { format: 'jpeg', width: 600, height: 450, frames: 1, space: 'srgb' }] as [
          string,
          { format: string; width: number; height: number; frames: number; space: string },
        ],
    ),
    ['animated-loop-3.gif', { format: 'gif', width: 370, height: 285, frames: 10, space: 'srgb' }],
    ['animated-loop-3.webp', { format: 'webp', width: 370, height: 285, frames: 10, space: 'srgb' }],
    ['big-height.webp', { format: 'webp', width: 13, height: 169, frames: 97, space: 'srgb' }],
    ['flowers.jpeg', { format: 'jpeg', width: 1920, height: 1080, frames: 1, space: 'srgb' }],
    ['gain-map.jpg', { format: 'jpeg', width: 3840, height: 2160, frames: 1, space: 'srgb' }],
    ['pitm.avif', { format: 'heif', width: 4096, height: 800, frames: 1, space: 'srgb' }],
    ['with-alpha.png', { format: 'png', width: 256, height: 192, frames: 1, space: 'srgb' }],
  ];

describe('image pipeline on every fixture', () => {
  it.each(FIXTURES)('%s: metadata, thumbnail outputs in sRGB, no metadata copied', async (name, expected) => {
    const result = await processImage(readFixture(name), PRESETS.thumbnail);
    expect(result.source).toMatchObject(expected);
    expect(result.placeholder.thumbhash).toMatch(/^[A-Za-z0-9+/]+=*$/);
    for (const output of result.outputs) {
      const meta = await sharp(output.data).metadata();
      expect(meta.format).toBe(output.format);
      expect([meta.width, meta.height]).toEqual([output.width, output.height]);
      expect(output.width).toBeLessThanOrEqual(320);
      expect(meta.space).toBe('srgb');
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }
  });

  it('renders the eight Landscape orientations as the same 600x450 JPEG (pixel-equivalent)', async () => {
    const spec: OutputSpec[] = [{ name: 'full', format: 'jpeg', fit: 'inside', quality: 'max' }];
    const reference = await processImage(readFixture('Landscape_1.jpg'), spec);
    const referencePixels = await rgb(reference.outputs[0]?.data as Buffer, 150, 112);
    for (let n = 2; n <= 8; n++) {
      const output = (await processImage(readFixture(`Landscape_${n}.jpg`), spec)).outputs[0];
      expect([output?.width, output?.height]).toEqual([600, 450]);
      expect((await sharp(output?.data).metadata()).orientation).toBeUndefined();
      const diff = meanAbsDiff(await rgb(output?.data as Buffer, 150, 112), referencePixels);
      expect(diff, `Landscape_${n}`).toBeLessThan(4);
    }
  });

  it('converts CMYK to sRGB through the embedded profile (colours match a managed conversion)', async () => {
    const input = readFixture('Channel_digital_image_CMYK_color.jpg');
    const result = await processImage(input, [{ name: 'p', format: 'png', fit: 'inside' }]);
    expect(result.source).toMatchObject({ space: 'cmyk', iccDescription: 'U.S. Web Coated (SWOP) v2' });
    const output = result.outputs[0]?.data as Buffer;
    const meta = await sharp(output).metadata();
    expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
    // libvips' own ICC conversion of the same file (sharp's default output path) as the reference
    const managed = await sharp(input).png().toBuffer();
    expect(meanAbsDiff(await rgb(output, 100, 66), await rgb(managed, 100, 66))).toBeLessThan(2);
  });

  it('converts 16-bit PNGs to 8-bit sRGB with the right colours and alpha', async () => {
    const flag = await processImage(readFixture('Flag_of_the_Netherlands-16bit.png'), [
      { name: 'p', format: 'png', fit: 'inside' },
    ]);
    expect(flag.source.depth).toBe('ushort');
    const { data, info } = await sharp(flag.outputs[0]?.data).raw().toBuffer({ resolveWithObject: true });
    expect([
      info.width,
      info.height,
      info.channels,
      (await sharp(flag.outputs[0]?.data).metadata()).depth,
    ]).toEqual([900, 600, 3, 'uchar']);
    const pixel = (y: number) => [...data.subarray((y * 900 + 450) * 3, (y * 900 + 450) * 3 + 3)];
    const [red, white, blue] = [pixel(100), pixel(300), pixel(500)];
    expect(red[0]).toBeGreaterThan(150);
    expect(red[2]).toBeLessThan(80);
    expect(white).toEqual([255, 255, 255]);
    expect(blue[2]).toBeGreaterThan(100);
    expect(blue[0]).toBeLessThan(60);

    const grey = await processImage(readFixture('16-bit-grey-alpha.png'), [
      { name: 'p', format: 'png', fit: 'inside' },
    ]);
    const greyMeta = await sharp(grey.outputs[0]?.data).metadata();
    expect([greyMeta.depth, greyMeta.hasAlpha, greyMeta.width, greyMeta.height]).toEqual([
      'uchar',
      true,
      109,
      96,
    ]);
  });

  it.each(['animated-loop-3.gif', 'animated-loop-3.webp'])(
    '%s: WebP outputs stay animated (all frames, delays kept), others are the first frame',
    async (name) => {
      const input = readFixture(name);
      const result = await processImage(input, [
        { name: 'anim', format: 'webp', width: 200, height: 200, fit: 'inside' },
        { name: 'still-webp', format: 'webp', width: 200, height: 200, fit: 'inside', animated: false },
        { name: 'still', format: 'png', fit: 'inside' },
      ]);
      const [anim, stillWebp, still] = result.outputs;
      const animMeta = await sharp(anim?.data, { animated: true }).metadata();
      expect([animMeta.pages, animMeta.pageHeight, animMeta.width, anim?.frames]).toEqual([10, 154, 200, 10]);
      expect(animMeta.delay).toEqual((await sharp(input).metadata()).delay);
      expect((await sharp(stillWebp?.data).metadata()).pages).toBeUndefined();
      expect([still?.width, still?.height, still?.frames]).toEqual([370, 285, 1]);
      const firstFrame = await sharp(input, { pages: 1 }).png().toBuffer();
      expect(
        meanAbsDiff(await rgb(still?.data as Buffer, 185, 142), await rgb(firstFrame, 185, 142)),
      ).toBeLessThan(1);
      // the second frame differs from the first, so "first frame" is a real check
      const second = await sharp(input, { page: 1, pages: 1 }).png().toBuffer();
      expect(
        meanAbsDiff(await rgb(still?.data as Buffer, 185, 142), await rgb(second, 185, 142)),
      ).toBeGreaterThan(0);
    },
  );

  it('big-height.webp (97 frames stacked past the WebP limit): first-frame stills and a valid animated WebP', async () => {
    const result = await processImage(readFixture('big-height.webp'), [
      { name: 'anim', format: 'webp', fit: 'inside' },
      { name: 'still', format: 'jpeg', fit: 'inside' },
      { name: 'still-webp', format: 'webp', fit: 'inside', animated: false },
    ]);
    const [anim, still, stillWebp] = result.outputs;
    expect(97 * 169).toBeGreaterThan(16_383);
    for (const output of [still, stillWebp])
      expect([output?.width, output?.height, output?.frames]).toEqual([13, 169, 1]);
    const animMeta = await sharp(anim?.data, { animated: true }).metadata();
    expect([animMeta.format, animMeta.width]).toEqual(['webp', 13]);
    // libwebp merges identical frames (this fixture is uniform), so the file holds 1..97 frames of 169 rows
    expect((animMeta.pageHeight ?? animMeta.height) % 169).toBe(0);
    expect(await sharp(anim?.data, { animated: true }).raw().toBuffer()).toBeInstanceOf(Buffer);
  });

  it('refuses a 30,000 x 30,000 PNG bomb from its header: fast, small memory, input error', async () => {
    const bomb = flatPngBomb(30_000, 30_000);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    await expect(processImage(bomb, PRESETS.web)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      kind: 'input',
    });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    // a per-stage limit passed by the caller applies too
    await expect(
      processImage(readFixture('320x240.jpg'), PRESETS.thumbnail, { maxInputPixels: 50_000 }),
    ).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', kind: 'input' });
  }, 30_000);

  it('refuses SVG by default; the opt-in rasterises it without fetching external references', async () => {
    await expect(processImage(readFixture('check.svg'), PRESETS.thumbnail)).rejects.toMatchObject({
      code: 'SVG_NOT_ALLOWED',
      kind: 'input',
    });
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.png`;
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="30">` +
        `<rect width="40" height="30" fill="#00f"/><image href="${url}" xlink:href="${url}" width="40" height="30"/></svg>`,
    );
    try {
      await expect(processImage(svg, PRESETS.thumbnail)).rejects.toMatchObject({ code: 'SVG_NOT_ALLOWED' });
      const result = await processImage(svg, [{ name: 'p', format: 'png', fit: 'inside' }], {
        allowSvg: true,
      });
      expect([result.source.format, result.outputs[0]?.width, result.outputs[0]?.height]).toEqual([
        'svg',
        40,
        30,
      ]);
      const { data } = await sharp(result.outputs[0]?.data).raw().toBuffer({ resolveWithObject: true });
      expect([...data.subarray(0, 3)]).toEqual([0, 0, 255]);
    } finally {
      server.close();
    }
    expect(requests).toBe(0);
    // the SVG loader is blocked again after the opt-in call
    await expect(sharp(readFixture('check.svg')).metadata()).rejects.toThrow(/unsupported image format/);
  });

  it('blocks decoders outside the allowlist inside libvips itself', async () => {
    configureDecoders();
    const ppm = Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(12, 128)]);
    await expect(sharp(ppm).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(processImage(ppm, PRESETS.thumbnail)).rejects.toMatchObject({ kind: 'input' });
    expect((await sharp(readFixture('320x240.jpg')).metadata()).format).toBe('jpeg');
  });

  it('classifies libvips failures: resource errors retryable, input errors terminal', () => {
    expect(classifyError(new Error('vips_malloc: out of memory -- size == 1GB'))).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      retryable: true,
    });
    expect(classifyError(new Error('VipsJpeg: Premature end of input file'))).toMatchObject({
      code: 'CORRUPT_MEDIA',
      retryable: false,
    });
    expect(classifyError(new Error('Input image exceeds pixel limit'))).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
    expect(classifyError(new Error('Processed image is too large for the WebP format'))).toMatchObject({
      code: 'OUTPUT_TOO_LARGE',
      retryable: false,
    });
  });
});
