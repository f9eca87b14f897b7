import sharp, { type Exif, type Sharp } from 'sharp';
import type { OutputSpec } from '../../core/job.js';
import { guarded } from './safety.js';
import { DEFAULT_BACKGROUND, effortFor, qualityFor, resizeOptions } from './specs.js';

/** The one decoded raster every output is encoded from: 8-bit sRGB, oriented, not premultiplied. */
export interface DecodedRaster {
  data: Buffer;
  width: number;
  /** Full height: frames x pageHeight for an animation. */
  height: number;
  channels: 1 | 2 | 3 | 4;
  frames: number;
  pageHeight: number;
  delay?: number[];
  loop?: number;
  premultiplied?: boolean;
}

/** What metadata outputs carry, decided once per job from the policy (see metadata policy docs). */
export interface OutputMetadata {
  exif?: Exif;
  xmp?: string;
  /** Attach the sRGB ICC profile (the pixels are sRGB). */
  icc: boolean;
}

export interface RenderedOutput {
  spec: OutputSpec;
  data: Buffer;
  width: number;
  height: number;
  format: string;
  contentType: string;
  /** 1 for a still; the frame count for an animated output. */
  frames: number;
}

/** The first frame of an animation, without copying pixels. */
export function firstFrame(raster: DecodedRaster): DecodedRaster {
  if (raster.frames <= 1) return raster;
  const bytes = raster.width * raster.pageHeight * raster.channels;
  return {
    ...raster,
    data: raster.data.subarray(0, bytes),
    height: raster.pageHeight,
    frames: 1,
    delay: undefined,
    loop: undefined,
  };
}

export const keepsAnimation = (spec: OutputSpec) => spec.format === 'webp' && spec.animated !== false;

/** Encodes one output from the decoded raster: resize, flatten if needed, metadata, codec. */
export async function encodeOutput(
  raster: DecodedRaster,
  spec: OutputSpec,
  metadata: OutputMetadata,
): Promise<RenderedOutput> {
  const source =
    raster.frames > 1 && keepsAnimation(spec) ? await resizeFrames(raster, spec) : firstFrame(raster);
  const animated = source.frames > 1;
  let pipeline = sharp(source.data, {
    raw: {
      width: source.width,
      height: source.height,
      channels: source.channels,
      premultiplied: source.premultiplied ?? false,
      ...(animated ? { pageHeight: source.pageHeight } : {}),
    },
  });
  const resize = resizeOptions(spec, source.width, source.height);
  if (resize && !animated) pipeline = pipeline.resize(resize);
  pipeline = withMetadata(pipeline, metadata);
  const { data, info } = await guarded(() =>
    codec(pipeline, spec, source).toBuffer({ resolveWithObject: true }),
  );
  const frames = animated ? Math.max(1, info.pages ?? source.frames) : 1;
  return {
    spec,
    data,
    width: info.width,
    height: animated ? (info.pageHeight ?? Math.round(info.height / frames)) : info.height,
    format: spec.format,
    contentType: `image/${spec.format}`,
    frames,
  };
}

/**
 * Resizes every frame of an animation on its own and stacks them again. (sharp's resize of a raw
 * input with pageHeight treats the stack as one image and loses the animation.) Smart crop would
 * pick a different region per frame and make the animation jump, so animations crop at the centre.
 */
async function resizeFrames(raster: DecodedRaster, spec: OutputSpec): Promise<DecodedRaster> {
  const resize = resizeOptions(spec, raster.width, raster.pageHeight);
  if (!resize) return raster;
  const position = spec.position === 'attention' || spec.position === 'entropy' ? 'centre' : resize.position;
  const frameBytes = raster.width * raster.pageHeight * raster.channels;
  const frames = await Promise.all(
    Array.from({ length: raster.frames }, (_, i) =>
      guarded(() =>
        sharp(raster.data.subarray(i * frameBytes, (i + 1) * frameBytes), {
          raw: { width: raster.width, height: raster.pageHeight, channels: raster.channels },
        })
          .resize({ ...resize, position: typeof position === 'number' ? 'centre' : position })
          .raw()
          .toBuffer({ resolveWithObject: true }),
      ),
    ),
  );
  const first = frames[0]?.info;
  if (!first) return raster;
  return {
    ...raster,
    data: Buffer.concat(frames.map((frame) => frame.data)),
    width: first.width,
    height: first.height * raster.frames,
    pageHeight: first.height,
    channels: first.channels as DecodedRaster['channels'],
    premultiplied: first.premultiplied,
  };
}

function withMetadata(pipeline: Sharp, metadata: OutputMetadata): Sharp {
  let out = pipeline;
  if (metadata.icc) out = out.withIccProfile('srgb');
  if (metadata.exif) out = out.withExif(metadata.exif);
  if (metadata.xmp) out = out.withXmp(metadata.xmp);
  return out;
}

function codec(pipeline: Sharp, spec: OutputSpec, source: DecodedRaster): Sharp {
  const quality = qualityFor(spec);
  switch (spec.format) {
    case 'jpeg':
      return pipeline.flatten({ background: spec.background ?? DEFAULT_BACKGROUND }).jpeg({
        quality,
        progressive: spec.progressive ?? true,
        mozjpeg: spec.mozjpeg ?? false,
        // High qualities keep full chroma resolution; below that 4:2:0 is invisible and smaller.
        chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0',
      });
    case 'png':
      return spec.palette
        ? pipeline.png({ palette: true, quality, effort: effortFor({ ...spec, format: 'png' }) })
        : pipeline.png({ compressionLevel: 9, adaptiveFiltering: false });
    case 'webp':
      return pipeline.webp({
        quality,
        effort: effortFor({ ...spec, format: 'webp' }),
        ...(source.frames > 1 ? { loop: source.loop ?? 0, delay: source.delay } : {}),
      });
    case 'avif':
      return pipeline.avif({ quality, effort: effortFor({ ...spec, format: 'avif' }) });
  }
}
