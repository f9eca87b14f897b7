import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { OutputSpec, Outputs, PresetName } from '../../src/core/job.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { QUALITY } from '../../src/media/image/specs.js';
import { PRESETS } from '../../src/presets/presets.js';
import { readFixture } from '../support/fixtures.js';

const issuesOf = (value: unknown) => {
  const parsed = OutputSpec.safeParse(value);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('output specs', () => {
  it('accepts a full spec and keeps v1 specs valid', () => {
    expect(
      issuesOf({
        name: 'hero',
        format: 'jpeg',
        width: 1200,
        height: 630,
        fit: 'cover',
        position: 'entropy',
        enlarge: true,
        background: '#102030',
        quality: 'medium',
        progressive: false,
        mozjpeg: true,
      }),
    ).toEqual([]);
    expect(issuesOf({ name: 'p', format: 'png', palette: true, effort: 10, quality: 70 })).toEqual([]);
    expect(OutputSpec.parse({ name: 'v1', format: 'webp', width: 100, quality: 80 })).toEqual({
      name: 'v1',
      format: 'webp',
      width: 100,
      quality: 80,
      fit: 'inside',
    });
  });

  it('refuses invalid specs with a path and a reason per problem', () => {
    expect(issuesOf({ name: 'a', format: 'webp', effort: 7 })).toEqual(['effort: effort for webp is 0-6']);
    expect(issuesOf({ name: 'a', format: 'jpeg', effort: 3 })).toEqual(['effort: jpeg has no effort']);
    expect(issuesOf({ name: 'a', format: 'avif', effort: 9 })).toEqual([]);
    expect(issuesOf({ name: 'a', format: 'png', mozjpeg: true })).toEqual([
      'mozjpeg: mozjpeg applies to jpeg only',
    ]);
    expect(issuesOf({ name: 'a', format: 'webp', palette: true })).toEqual([
      'palette: palette applies to png only',
    ]);
    expect(issuesOf({ name: 'a', format: 'jpeg', width: 10, position: 'attention' })).toEqual([
      'position: smart crop needs fit "cover"',
    ]);
    expect(issuesOf({ name: 'a', format: 'jpeg', quality: 'ultra' })).toHaveLength(1);
    expect(issuesOf({ name: 'a', format: 'jpeg', quality: 101 })).toHaveLength(1);
    expect(issuesOf({ name: 'a', format: 'jpeg', background: 'red' })).toEqual([
      'background: a colour as #rrggbb',
    ]);
    expect(issuesOf({ name: 'a', format: 'gif' })).toHaveLength(1);
    expect(issuesOf({ name: 'A b', format: 'jpeg' })).toHaveLength(1);
    expect(issuesOf({ name: 'a', format: 'jpeg', width: 9000 })).toHaveLength(1);
    expect(issuesOf({ name: 'a', format: 'jpeg', lossless: true })).toHaveLength(1);
  });

  it('takes 1 to 20 outputs per job; processImage enforces the same bound', async () => {
    const specs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `o${i}`, format: 'jpeg' }));
    expect(Outputs.safeParse({ specs: [] }).success).toBe(false);
    expect(Outputs.safeParse({ specs: specs(20) }).success).toBe(true);
    expect(Outputs.safeParse({ specs: specs(21) }).success).toBe(false);
    const input = readFixture('320x240.jpg');
    await expect(processImage(input, [])).rejects.toMatchObject({ code: 'INVALID_REQUEST', kind: 'input' });
    const many = Array.from({ length: 21 }, (_, i) => OutputSpec.parse({ name: `o${i}`, format: 'jpeg' }));
    await expect(processImage(input, many)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('presets: all four parse, and the names clients depend on are unchanged', () => {
    expect(PresetName.options).toEqual(['thumbnail', 'web', 'social', 'archive']);
    for (const name of PresetName.options) {
      for (const spec of PRESETS[name]) expect(OutputSpec.parse(spec)).toEqual(spec);
    }
    expect(PRESETS.web.map((spec) => spec.name)).toEqual(['large', 'large-webp', 'medium-webp', 'thumb']);
    expect(PRESETS.thumbnail.map((spec) => spec.name)).toEqual(['thumb', 'thumb-webp']);
  });

  it('maps semantic quality per codec; a number overrides it', async () => {
    expect(QUALITY.jpeg.high).not.toBe(QUALITY.avif.high);
    const input = readFixture('flowers.jpeg');
    const sizes = await processImage(input, [
      { name: 'low', format: 'jpeg', width: 600, fit: 'inside', quality: 'low' },
      { name: 'max', format: 'jpeg', width: 600, fit: 'inside', quality: 'max' },
      { name: 'n30', format: 'jpeg', width: 600, fit: 'inside', quality: 30 },
      { name: 'wlow', format: 'webp', width: 600, fit: 'inside', quality: 'low' },
      { name: 'wmax', format: 'webp', width: 600, fit: 'inside', quality: 'max' },
    ]);
    const bytes = Object.fromEntries(sizes.outputs.map((output) => [output.spec.name, output.data.length]));
    expect(bytes.low).toBeLessThan(bytes.max as number);
    expect(bytes.n30).toBeLessThan(bytes.low as number);
    expect(bytes.wlow).toBeLessThan(bytes.wmax as number);
    const maxMeta = await sharp(sizes.outputs[1]?.data).metadata();
    expect([maxMeta.chromaSubsampling, maxMeta.isProgressive]).toEqual(['4:4:4', true]);
  });

  it('honours fit, enlarge, background, palette, progressive and every format', async () => {
    const result = await processImage(readFixture('with-alpha.png'), [
      { name: 'kept', format: 'png', width: 512, fit: 'inside' },
      { name: 'big', format: 'png', width: 512, fit: 'inside', enlarge: true },
      { name: 'red', format: 'jpeg', fit: 'inside', background: '#ff0000', progressive: false },
      { name: 'pal', format: 'png', fit: 'inside', palette: true, quality: 'low' },
      { name: 'full', format: 'png', fit: 'inside' },
      { name: 'box', format: 'png', width: 100, height: 100, fit: 'contain', background: '#00ff00' },
      { name: 'fill', format: 'webp', width: 100, height: 30, fit: 'fill' },
      { name: 'av', format: 'avif', width: 64, fit: 'inside', effort: 0 },
      { name: 'ent', format: 'webp', width: 64, height: 64, fit: 'cover', position: 'entropy' },
    ]);
    const [kept, big, red, pal, full, box, fill, av, ent] = result.outputs;
    expect([kept?.width, kept?.height]).toEqual([256, 192]);
    expect([big?.width, big?.height]).toEqual([512, 384]);
    expect([box?.width, box?.height, fill?.width, fill?.height, ent?.width, ent?.height]).toEqual([
      100, 100, 100, 30, 64, 64,
    ]);
    // the top-left pixel of with-alpha.png is translucent: flattened onto red, not white or black
    const source = await sharp(readFixture('with-alpha.png')).raw().toBuffer();
    const a = (source[3] as number) / 255;
    expect(a).toBeLessThan(0.9);
    const expected = [255, 0, 0].map((bg, c) => (source[c] as number) * a + bg * (1 - a));
    const redPixels = await sharp(red?.data).raw().toBuffer();
    for (let c = 0; c < 3; c++)
      expect(Math.abs((redPixels[c] as number) - (expected[c] as number))).toBeLessThan(12);
    const redMeta = await sharp(red?.data).metadata();
    expect([redMeta.isProgressive, redMeta.hasAlpha]).toEqual([false, false]);
    const boxPixels = await sharp(box?.data).raw().toBuffer({ resolveWithObject: true });
    expect([...boxPixels.data.subarray(0, 3)]).toEqual([0, 255, 0]); // letterbox band
    expect((await sharp(pal?.data).metadata()).isPalette).toBe(true);
    expect(pal?.data.length).toBeLessThan(full?.data.length as number);
    expect((await sharp(full?.data).metadata()).hasAlpha).toBe(true);
    expect((await sharp(av?.data).metadata()).format).toBe('heif');
    expect(av?.contentType).toBe('image/avif');
  });
});

describe('cover boxes larger than the source', () => {
  it('keep the requested shape without enlarging: the social card of a 600x450 photo is 600x315', async () => {
    const result = await processImage(readFixture('Landscape_1.jpg'), PRESETS.social);
    expect(result.outputs.map((o) => [o.spec.name, o.width, o.height])).toEqual([
      ['og', 600, 315],
      ['og-webp', 600, 315],
      ['square', 450, 450],
    ]);
  });

  it('still enlarge to the exact box when asked', async () => {
    const [card] = (
      await processImage(readFixture('Landscape_1.jpg'), [
        OutputSpec.parse({
          name: 'card',
          format: 'jpeg',
          width: 1200,
          height: 630,
          fit: 'cover',
          enlarge: true,
        }),
      ])
    ).outputs;
    expect([card?.width, card?.height]).toEqual([1200, 630]);
  });
});

describe('output lists', () => {
  it('refuse two outputs with the same name (they would overwrite one object)', () => {
    const twice = {
      specs: [
        { name: 'a', format: 'jpeg' },
        { name: 'a', format: 'webp', width: 100 },
      ],
    };
    const parsed = Outputs.safeParse(twice);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/unique/);
  });
});
