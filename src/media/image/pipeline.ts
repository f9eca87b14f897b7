import sharp, { type Sharp } from 'sharp';
import { ErrorCodes, inputError, PipelineError, retryableError } from '../../core/errors.js';
import type { OutputSpec, SourceMetadata } from '../../core/job.js';

export interface ImageLimits {
  /** Refuse inputs with more pixels than this before decoding them (decompression bombs). */
  maxInputPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxInputPixels: 100_000_000 };

export interface RenderedOutput {
  spec: OutputSpec;
  data: Buffer;
  width: number;
  height: number;
  format: string;
  contentType: string;
}

export interface ProcessedImage {
  source: SourceMetadata;
  outputs: RenderedOutput[];
}

const EXTENSIONS: Record<OutputSpec['format'], string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
};
export const extensionFor = (format: OutputSpec['format']) => EXTENSIONS[format];

// One number for all codecs would be wrong: these defaults give similar visual quality.
const DEFAULT_QUALITY: Record<OutputSpec['format'], number> = { jpeg: 82, png: 100, webp: 80, avif: 55 };

/**
 * Decode once: a single decode (with shrink-on-load down to the largest size any output needs,
 * EXIF orientation applied) into raw sRGB pixels, then every output is encoded from that buffer.
 * Metadata is never copied to outputs (the raw buffer has none), so GPS and private EXIF cannot leak.
 */
export async function processImage(
  input: Buffer,
  specs: readonly OutputSpec[],
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<ProcessedImage> {
  const open = () =>
    sharp(input, { limitInputPixels: limits.maxInputPixels, failOn: 'error', animated: false });
  const metadata = await run(() => open().metadata());
  const oriented = (metadata.orientation ?? 1) >= 5;
  const width = (oriented ? metadata.height : metadata.width) ?? 0;
  const height = (oriented ? metadata.width : metadata.height) ?? 0;
  if (width * height > limits.maxInputPixels) {
    throw inputError(ErrorCodes.IMAGE_TOO_LARGE, `image is ${width}x${height}, over the pixel limit`);
  }

  const scale = Math.min(1, Math.max(...specs.map((spec) => scaleNeeded(spec, width, height))));
  const decodeWidth = Math.max(1, Math.round(width * scale));
  const decoded = await run(() =>
    open()
      .autoOrient()
      .resize({ width: decodeWidth, withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  const raw = {
    width: decoded.info.width,
    height: decoded.info.height,
    channels: decoded.info.channels as 1 | 2 | 3 | 4,
  };

  const outputs = await Promise.all(
    specs.map(async (spec) => {
      const pipeline = sharp(decoded.data, { raw });
      const { data, info } = await run(() =>
        encode(resize(pipeline, spec), spec).toBuffer({ resolveWithObject: true }),
      );
      return {
        spec,
        data,
        width: info.width,
        height: info.height,
        format: spec.format,
        contentType: `image/${spec.format}`,
      };
    }),
  );

  return {
    source: {
      format: metadata.format ?? 'unknown',
      width,
      height,
      orientation: metadata.orientation,
      space: metadata.space,
      hasAlpha: metadata.hasAlpha,
      bytes: input.length,
    },
    outputs,
  };
}

/** How far the source must be scaled for this output (1 = full size); no enlargement. */
function scaleNeeded(spec: OutputSpec, width: number, height: number): number {
  const sx = spec.width ? spec.width / width : undefined;
  const sy = spec.height ? spec.height / height : undefined;
  if (sx === undefined && sy === undefined) return 1;
  if (sx === undefined || sy === undefined) return Math.min(1, (sx ?? sy) as number);
  const fill = spec.fit === 'cover' || spec.fit === 'outside' || spec.fit === 'fill';
  return Math.min(1, fill ? Math.max(sx, sy) : Math.min(sx, sy));
}

function resize(pipeline: Sharp, spec: OutputSpec): Sharp {
  if (!spec.width && !spec.height) return pipeline;
  return pipeline.resize({
    width: spec.width,
    height: spec.height,
    fit: spec.fit,
    position: spec.fit === 'cover' ? sharp.strategy.attention : 'centre',
    withoutEnlargement: true,
    background: { r: 255, g: 255, b: 255, alpha: 1 },
  });
}

function encode(pipeline: Sharp, spec: OutputSpec): Sharp {
  const quality = spec.quality ?? DEFAULT_QUALITY[spec.format];
  switch (spec.format) {
    case 'jpeg':
      return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality, progressive: true });
    case 'png':
      return pipeline.png({ compressionLevel: 9, adaptiveFiltering: false });
    case 'webp':
      return pipeline.webp({ quality, effort: 4 });
    case 'avif':
      return pipeline.avif({ quality, effort: 4 });
  }
}

/** libvips errors on the input are terminal input errors; resource errors are retryable. */
async function run<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw inputError(ErrorCodes.IMAGE_TOO_LARGE, message, error);
    if (/out of memory|ENOMEM|cannot allocate/i.test(message)) {
      throw retryableError(ErrorCodes.TRANSIENT, message, error);
    }
    throw inputError(ErrorCodes.CORRUPT_MEDIA, `image could not be decoded: ${message}`, error);
  }
}
