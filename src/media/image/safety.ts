import sharp from 'sharp';
import { ErrorCodes, inputError, PipelineError, retryableError } from '../../core/errors.js';
import { sniff } from '../sniff.js';

/**
 * Input safety for the image pipeline.
 *
 * - Decoder allowlist: every libvips loader is blocked (`sharp.block`) except JPEG, PNG, WebP, GIF,
 *   HEIF/AVIF and TIFF. SVG, PDF, ImageMagick, VIPS, FITS, matrix, CSV, PPM, Radiance, JPEG 2000,
 *   JPEG XL, OpenSlide, raw camera, UltraHDR (gain-map JPEGs decode as their SDR base image through
 *   the JPEG loader)... stay blocked, so a file that libvips would sniff as one of
 *   those is refused before any parser of that format runs.
 * - Our own magic-byte sniff runs first and must name an allowed format; SVG is refused with
 *   SVG_NOT_ALLOWED unless the caller opts in (`allowSvg`), which unblocks the SVG loader for the
 *   duration of that call only. librsvg loads no external resources for buffer input (no base URI).
 * - failOn 'error': corrupt or truncated pixel data fails the job (a half-grey output from a
 *   truncated upload is worse than a clear error); mere warnings (e.g. bytes after the JPEG end
 *   marker, common in camera files) do not.
 */
export const FAIL_ON = 'error' as const;

export const ALLOWED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);

const ALLOWED_LOADERS = ['Jpeg', 'Png', 'Webp', 'Nsgif', 'Heif', 'Tiff'].flatMap((name) => [
  `VipsForeignLoad${name}Buffer`,
  `VipsForeignLoad${name}File`,
  `VipsForeignLoad${name}Source`,
]);
const SVG_LOADERS = ['VipsForeignLoadSvgBuffer'];

let configured = false;
let svgUsers = 0;

/** Blocks every decoder but the allowed ones, once per process (libvips state is global). */
export function configureDecoders(): void {
  if (configured) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
  configured = true;
}

/** Runs `work` with the SVG loader unblocked (reference-counted across concurrent calls). */
export async function withSvgDecoder<T>(work: () => Promise<T>): Promise<T> {
  if (svgUsers++ === 0) sharp.unblock({ operation: SVG_LOADERS });
  try {
    return await work();
  } finally {
    if (--svgUsers === 0) sharp.block({ operation: SVG_LOADERS });
  }
}

/** Checks the magic bytes before libvips sees the input. Returns true when the input is SVG. */
export function checkInputType(input: Buffer, allowSvg: boolean): boolean {
  if (input.length === 0) throw inputError(ErrorCodes.EMPTY_OBJECT, 'image input is empty');
  const detected = sniff(input.subarray(0, 512));
  if (detected.kind === 'svg') {
    if (!allowSvg) throw inputError(ErrorCodes.SVG_NOT_ALLOWED, 'SVG input is refused (not enabled)');
    return true;
  }
  if (detected.kind === 'image' && ALLOWED_FORMATS.has(detected.format)) return false;
  if (detected.kind === 'unknown') {
    throw inputError(ErrorCodes.CORRUPT_MEDIA, 'image could not be decoded: not a recognised image format');
  }
  throw inputError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `content is ${detected.mime}; expected an image`);
}

/**
 * Maps libvips failures: bad input is terminal; running out of memory or of libvips' cache/threads
 * is a resource error and retryable (another attempt, maybe on a less loaded worker, can succeed).
 */
export function classifyError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return inputError(ErrorCodes.IMAGE_TOO_LARGE, message, error);
  if (
    /out of memory|ENOMEM|cannot allocate|memory allocation failed|unable to create thread|vips_cache|cache (full|exhausted)/i.test(
      message,
    )
  ) {
    return retryableError(ErrorCodes.RESOURCE_EXHAUSTED, message, error);
  }
  if (/too large for the (WebP|JPEG|PNG|AVIF|HEIF)|image too large|bad image dimensions/i.test(message)) {
    return inputError(ErrorCodes.OUTPUT_TOO_LARGE, message, error);
  }
  if (/unsupported image format/i.test(message)) {
    return inputError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `image format is not allowed: ${message}`, error);
  }
  return inputError(ErrorCodes.CORRUPT_MEDIA, `image could not be decoded: ${message}`, error);
}

export async function guarded<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw classifyError(error);
  }
}
