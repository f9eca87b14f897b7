import sharp, { type Sharp } from 'sharp';
import { ErrorCodes, inputError } from '../../core/errors.js';
import type { ImageFormat, MetadataPolicy, OutputSpec, SourceMetadata } from '../../core/job.js';
import { type AdmissionLimits, admitImage } from './admission.js';
import {
  type DecodedRaster,
  encodeOutput,
  firstFrame,
  keepsAnimation,
  type OutputMetadata,
  type RenderedOutput,
} from './encode.js';
import { exifForPolicy } from './exif.js';
import { describeSource, type SourceInfo } from './metadata.js';
import { thumbhashOf, unpremultiply } from './placeholder.js';
import {
  ALLOWED_FORMATS,
  checkInputType,
  configureDecoders,
  FAIL_ON,
  guarded,
  withSvgDecoder,
} from './safety.js';
import { decodeSize } from './specs.js';

export type { RenderedOutput } from './encode.js';

export interface ImageLimits extends AdmissionLimits {
  /** Refuse inputs with more pixels than this before decoding them (decompression bombs). */
  maxInputPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxInputPixels: 100_000_000 };

export interface ProcessImageOptions extends Partial<ImageLimits> {
  /** strip (default): nothing copied. selective: copyright/artist/camera + sRGB ICC. preserve: see docs. */
  metadataPolicy?: MetadataPolicy;
  /** Rasterise SVG input (no external fetch). Default false: SVG fails with SVG_NOT_ALLOWED. */
  allowSvg?: boolean;
  /** The decode is never smaller than this on its longer side (when the source is that big). */
  minDecodeSize?: number;
}

export interface ProcessedImage {
  source: SourceMetadata;
  outputs: RenderedOutput[];
  placeholder: { thumbhash: string };
  /** The one decoded raster (8-bit sRGB, oriented, not premultiplied; first frame of an animation). */
  decoded: { data: Buffer; width: number; height: number; channels: number };
}

const EXTENSIONS: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' };
export const extensionFor = (format: ImageFormat) => EXTENSIONS[format];

/**
 * Decode once: a single decode (shrink-on-load down to the largest size any output needs, EXIF
 * orientation applied, converted to 8-bit sRGB) into raw pixels; every output and the placeholder
 * are made from that buffer. The raw buffer carries no metadata, so outputs only get what the
 * metadata policy writes back explicitly: GPS and private EXIF cannot leak under strip/selective.
 *
 * The third argument also accepts a bare `ImageLimits` (the v1 signature).
 */
export async function processImage(
  input: Buffer,
  specs: readonly OutputSpec[],
  options: ProcessImageOptions = {},
): Promise<ProcessedImage> {
  configureDecoders();
  if (specs.length < 1 || specs.length > 20) {
    throw inputError(
      ErrorCodes.INVALID_REQUEST,
      `between 1 and 20 outputs are required, got ${specs.length}`,
    );
  }
  const svg = checkInputType(input, options.allowSvg ?? false);
  const work = () => render(input, specs, options, svg);
  return svg ? withSvgDecoder(work) : work();
}

async function render(
  input: Buffer,
  specs: readonly OutputSpec[],
  options: ProcessImageOptions,
  svg: boolean,
): Promise<ProcessedImage> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_IMAGE_LIMITS.maxInputPixels;
  const open = (animated: boolean) =>
    sharp(input, { limitInputPixels: maxInputPixels, failOn: FAIL_ON, animated, sequentialRead: true });
  const header = await guarded(() => open(false).metadata());
  if (!(ALLOWED_FORMATS.has(header.format) || (svg && header.format === 'svg'))) {
    throw inputError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `image format ${header.format} is not allowed`);
  }
  const source = describeSource(header, input.length);
  if (source.width * source.height > maxInputPixels) {
    throw inputError(
      ErrorCodes.IMAGE_TOO_LARGE,
      `image is ${source.width}x${source.height}, over the pixel limit of ${maxInputPixels}`,
    );
  }
  const animate = source.frames > 1 && specs.some(keepsAnimation);
  const target = decodeSize(specs, source.width, source.height, options.minDecodeSize);
  admitImage(
    {
      width: source.width,
      height: source.height,
      channels: header.channels ?? 3,
      depth: header.depth,
      frames: source.frames,
    },
    target.width * target.height,
    animate,
    options,
  );
  const raster = await decode(open(animate), specs, source, options.minDecodeSize, animate);
  if (animate) {
    raster.delay = header.delay;
    raster.loop = header.loop;
  }

  const metadata = outputMetadata(source, options.metadataPolicy ?? 'strip');
  const [outputs, thumbhash] = await Promise.all([
    Promise.all(specs.map((spec) => encodeOutput(raster, spec, metadata))),
    thumbhashOf(raster),
  ]);
  const still = firstFrame(raster);
  return {
    source: source.metadata,
    outputs,
    placeholder: { thumbhash },
    decoded: { data: still.data, width: still.width, height: still.height, channels: still.channels },
  };
}

async function decode(
  image: Sharp,
  specs: readonly OutputSpec[],
  source: SourceInfo,
  minDecodeSize: number | undefined,
  animated: boolean,
): Promise<DecodedRaster> {
  const target = decodeSize(specs, source.width, source.height, minDecodeSize);
  let pipeline = image.autoOrient();
  if (target.width !== source.width || target.height !== source.height) {
    pipeline = pipeline.resize(
      source.width >= source.height ? { width: target.width } : { height: target.height },
    );
  }
  const { data, info } = await guarded(() =>
    pipeline.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }),
  );
  if (info.premultiplied) unpremultiply(data, info.channels);
  const frames = animated ? Math.max(1, info.pages ?? source.frames) : 1;
  return {
    data,
    width: info.width,
    height: info.height,
    channels: info.channels as 1 | 2 | 3 | 4,
    frames,
    pageHeight: frames > 1 ? (info.pageHeight ?? info.height / frames) : info.height,
  };
}

/**
 * What outputs carry per policy. The pixels are always converted to sRGB in the one decode, so the
 * only ICC profile that can truthfully be attached is sRGB's (see docs/images.md, "Metadata").
 */
function outputMetadata(source: SourceInfo, policy: MetadataPolicy): OutputMetadata {
  if (policy === 'strip') return { icc: false };
  return {
    icc: true,
    exif: exifForPolicy(source.exif, policy),
    xmp: policy === 'preserve' ? source.xmp : undefined,
  };
}
