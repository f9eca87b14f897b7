import { type OutputOverrides, OutputSpec, type Outputs, type PresetName } from '../core/job.js';

/**
 * Built-in presets (table with sizes and intent in docs/images.md). Output names are part of the
 * contract (object keys and clients depend on them): change a preset by adding outputs, not renaming.
 *
 * - `thumbnail`: a 320x320 smart-cropped (attention) square in JPEG and WebP.
 * - `web`: large (1600 box) JPEG + WebP and a medium (800 box) WebP for pages, plus the thumbnail.
 * - `social`: link-preview card 1200x630 (Open Graph / X summary_large_image) in JPEG and WebP, and
 *   a 1080x1080 square for feeds; all smart-cropped, JPEG quality 'high'.
 * - `archive`: a full-resolution copy as mozjpeg JPEG at quality 'max' (4:4:4 chroma), plus a
 *   2048-box WebP preview; never enlarged, metadata per the job's policy.
 */
export const PRESETS: Record<PresetName, readonly OutputSpec[]> = {
  thumbnail: [
    { name: 'thumb', format: 'jpeg', width: 320, height: 320, fit: 'cover', position: 'attention' },
    { name: 'thumb-webp', format: 'webp', width: 320, height: 320, fit: 'cover', position: 'attention' },
  ],
  web: [
    { name: 'large', format: 'jpeg', width: 1600, height: 1600, fit: 'inside' },
    { name: 'large-webp', format: 'webp', width: 1600, height: 1600, fit: 'inside' },
    { name: 'medium-webp', format: 'webp', width: 800, height: 800, fit: 'inside' },
    { name: 'thumb', format: 'jpeg', width: 320, height: 320, fit: 'cover', position: 'attention' },
  ],
  social: [
    { name: 'og', format: 'jpeg', width: 1200, height: 630, fit: 'cover', position: 'attention' },
    { name: 'og-webp', format: 'webp', width: 1200, height: 630, fit: 'cover', position: 'attention' },
    { name: 'square', format: 'jpeg', width: 1080, height: 1080, fit: 'cover', position: 'attention' },
  ],
  archive: [
    { name: 'full', format: 'jpeg', fit: 'inside', quality: 'max', mozjpeg: true },
    { name: 'preview-webp', format: 'webp', width: 2048, height: 2048, fit: 'inside', quality: 'high' },
  ],
};

export const isBuiltInPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name);

/** Overrides applied to each spec of a preset, each result validated (throws a ZodError naming the output). */
export function applyOverrides(specs: readonly OutputSpec[], overrides?: OutputOverrides): OutputSpec[] {
  if (!overrides) return [...specs];
  return specs.map((spec) => {
    const merged: Record<string, unknown> = { ...spec, ...overrides };
    // Format-specific options of the preset do not carry over to another format.
    if (overrides.format && overrides.format !== spec.format) {
      for (const field of ['progressive', 'mozjpeg', 'palette', 'effort'] as const) {
        if (!(field in overrides)) delete merged[field];
      }
    }
    return OutputSpec.parse(merged);
  });
}

/**
 * The specs a job renders. Tenant presets never reach here: the API resolves them into `specs` when the
 * job is created, so a later edit of the preset does not change queued jobs.
 */
export function resolveOutputs(outputs: Outputs): readonly OutputSpec[] {
  if ('specs' in outputs) return outputs.specs;
  if (!isBuiltInPreset(outputs.preset)) throw new Error(`unknown preset ${outputs.preset}`);
  return applyOverrides(PRESETS[outputs.preset], outputs.overrides);
}
