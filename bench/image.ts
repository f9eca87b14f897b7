import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { OutputSpec } from '../src/core/job.js';
import { processImage } from '../src/media/image/pipeline.js';
import { FAIL_ON } from '../src/media/image/safety.js';
import { DEFAULT_BACKGROUND, effortFor, qualityFor, resizeOptions } from '../src/media/image/specs.js';
import { PRESETS } from '../src/presets/presets.js';
import { readFixture } from '../test/support/fixtures.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 6);
const THROUGHPUT_IMAGES = Number(process.env.BENCH_IMAGES ?? 8);
const LIMIT = 100_000_000;

/** The output's encoder, with the settings processImage uses. */
function encode(pipeline: Sharp, spec: OutputSpec): Sharp {
  const quality = qualityFor(spec);
  switch (spec.format) {
    case 'jpeg':
      return pipeline
        .flatten({ background: spec.background ?? DEFAULT_BACKGROUND })
        .jpeg({ quality, progressive: spec.progressive ?? true, mozjpeg: spec.mozjpeg ?? false });
    case 'webp':
      return pipeline.webp({ quality, effort: effortFor({ ...spec, format: 'webp' }) });
    case 'avif':
      return pipeline.avif({ quality, effort: effortFor({ ...spec, format: 'avif' }) });
    case 'png':
      return pipeline.png({ compressionLevel: 9, adaptiveFiltering: false });
  }
}

/** Decode (with shrink-on-load for the output's size), orient and resize: everything but the encoder. */
function decodeAndResize(input: Buffer, spec: OutputSpec): Sharp {
  let pipeline: Sharp = sharp(input, { limitInputPixels: LIMIT, failOn: FAIL_ON }).autoOrient();
  // The bench's sources are larger than every box, so the cover-box fitting never applies here.
  const resize = resizeOptions(spec, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  if (resize) pipeline = pipeline.resize(resize);
  return pipeline.toColourspace('srgb');
}

/**
 * The obvious implementation, as the baseline: every output opens and decodes the source on its own
 * (with sharp's shrink-on-load for that output's size), with the same resize and encoder settings.
 */
const decodePerOutput = (input: Buffer, specs: readonly OutputSpec[]) =>
  Promise.all(specs.map((spec) => encode(decodeAndResize(input, spec), spec).toBuffer()));

type RawOutput = { data: Buffer; info: OutputInfo };

/** Each output's final pixels, made outside the measurement: what the encoders alone start from. */
const finalPixels = (input: Buffer, specs: readonly OutputSpec[]): Promise<RawOutput[]> =>
  Promise.all(specs.map((spec) => decodeAndResize(input, spec).raw().toBuffer({ resolveWithObject: true })));

/**
 * Only the encoders, from pixels already decoded and resized: a floor under any implementation of these
 * outputs, however it decodes (zero decode and resize cost).
 */
const encodersAlone = (pixels: readonly RawOutput[], specs: readonly OutputSpec[]) =>
  Promise.all(
    specs.map((spec, i) => {
      const { data, info } = pixels[i] as RawOutput;
      const raw = { width: info.width, height: info.height, channels: info.channels };
      return encode(sharp(data, { raw }), spec).toBuffer();
    }),
  );

const decodeOnce = async (input: Buffer, specs: readonly OutputSpec[]) =>
  (await processImage(input, specs)).outputs.map((output) => output.data);

/** CPU time (user + system, all libvips threads) of one call, in ms. */
async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function imagesPerSecond(input: Buffer, inFlight: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < THROUGHPUT_IMAGES) await processImage(input, PRESETS.web);
    }),
  );
  return THROUGHPUT_IMAGES / ((performance.now() - started) / 1000);
}

/** A 12 MP (4000x3000) photo-like JPEG: the fixture photo enlarged, with its texture, quality 90. */
async function twelveMegapixelJpeg(): Promise<Buffer> {
  return sharp(readFixture('2569067123_aca715a2ee_o.jpg'))
    .resize(4000, 3000, { fit: 'fill' })
    .sharpen()
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function run() {
  const inputs: [string, Buffer][] = [
    ['2569067123_aca715a2ee_o.jpg (2725x2225)', readFixture('2569067123_aca715a2ee_o.jpg')],
    ['generated 12 MP JPEG (4000x3000)', await twelveMegapixelJpeg()],
  ];
  console.log(
    `image: preset web (${PRESETS.web.length} outputs), ${ITERATIONS} interleaved runs each, ` +
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, concurrency ${sharp.concurrency()}, node ${process.version}`,
  );
  for (const [label, input] of inputs) {
    // warm-up: both implementations once
    await decodeOnce(input, PRESETS.web);
    await decodePerOutput(input, PRESETS.web);
    const pixels = await finalPixels(input, PRESETS.web);
    await encodersAlone(pixels, PRESETS.web);
    const once: number[] = [];
    const perOutput: number[] = [];
    const encoders: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      once.push(await cpuOf(() => decodeOnce(input, PRESETS.web)));
      perOutput.push(await cpuOf(() => decodePerOutput(input, PRESETS.web)));
      encoders.push(await cpuOf(() => encodersAlone(pixels, PRESETS.web)));
    }
    const ratio = median(once) / median(perOutput);
    const floor = median(encoders) / median(perOutput);
    const ips1 = await imagesPerSecond(input, 1);
    const ips2 = await imagesPerSecond(input, 2);
    console.log(`  ${label}`);
    console.log(
      `    CPU per image (median): decode once ${median(once).toFixed(0)} ms, ` +
        `decode per output ${median(perOutput).toFixed(0)} ms, ratio ${ratio.toFixed(2)}x (target <= 0.60x)`,
    );
    console.log(
      `    encoders alone (from final pixels) ${median(encoders).toFixed(0)} ms = ${floor.toFixed(2)}x of decode per output: ` +
        'the floor for any decode strategy',
    );
    console.log(
      `    decode once throughput: ${ips1.toFixed(2)} images/s (1 in flight), ${ips2.toFixed(2)} images/s (2 in flight)`,
    );
  }
}
