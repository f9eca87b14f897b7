import type { OutputSpec, Outputs, PresetName } from './job.js';

/**
 * Built-in presets. `thumbnail`: a square smart-cropped thumbnail in JPEG and WebP.
 * `web`: a large and a medium rendition for pages, plus the thumbnail.
 */
export const PRESETS: Record<PresetName, readonly OutputSpec[]> = {
  thumbnail: [
    { name: 'thumb', format: 'jpeg', width: 320, height: 320, fit: 'cover' },
    { name: 'thumb-webp', format: 'webp', width: 320, height: 320, fit: 'cover' },
  ],
  web: [
    { name: 'large', format: 'jpeg', width: 1600, height: 1600, fit: 'inside' },
    { name: 'large-webp', format: 'webp', width: 1600, height: 1600, fit: 'inside' },
    { name: 'medium-webp', format: 'webp', width: 800, height: 800, fit: 'inside' },
    { name: 'thumb', format: 'jpeg', width: 320, height: 320, fit: 'cover' },
  ],
};

export function resolveOutputs(outputs: Outputs): readonly OutputSpec[] {
  return 'preset' in outputs ? PRESETS[outputs.preset] : outputs.specs;
}
