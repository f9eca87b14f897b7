import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/core/errors.js';
import type { OutputSpec } from '../../src/core/job.js';
import { processImage } from '../../src/media/image/pipeline.js';
import { readFixture } from '../support/fixtures.js';
import { seededRandom } from '../support/random-hashes.js';

/**
 * Hostile-input robustness: truncated and bit-flipped copies of the fixtures (deterministic seed).
 * Each case must end within its time limit, either with valid outputs or with a terminal
 * PipelineError (kind 'input'). A libvips crash would kill this test process and fail the file.
 */

const SOURCES = [
  '320x240.jpg',
  'Landscape_6.jpg',
  'with-alpha.png',
  'Flag_of_the_Netherlands-16bit.png',
  'animated-loop-3.gif',
  'animated-loop-3.webp',
  'big-height.webp',
  'G31D.TIF',
];
const SPECS: OutputSpec[] = [
  { name: 'a', format: 'jpeg', width: 64, height: 64, fit: 'cover' },
  { name: 'b', format: 'webp', width: 64, height: 64, fit: 'inside' },
];
const CASE_TIMEOUT_MS = 10_000;

function mutations(): { label: string; data: Buffer }[] {
  const random = seededRandom(0x5eed_1234);
  const cases: { label: string; data: Buffer }[] = [];
  for (const name of SOURCES) {
    const original = readFixture(name);
    for (let i = 0; i < 6; i++) {
      // truncation anywhere, biased towards the header region
      const cut =
        i < 2
          ? Math.floor(random() * Math.min(original.length, 1024))
          : Math.floor(random() * original.length);
      cases.push({ label: `${name} truncated at ${cut}`, data: original.subarray(0, Math.max(1, cut)) });
    }
    for (let i = 0; i < 7; i++) {
      const data = Buffer.from(original);
      const flips = 1 + Math.floor(random() * 16);
      // bytes after the first 8 so the magic bytes mostly survive and the decoder itself is exercised
      const region = i < 3 ? Math.min(data.length, 2048) : data.length;
      for (let k = 0; k < flips; k++) {
        const at = 8 + Math.floor(random() * Math.max(1, region - 8));
        if (at < data.length) data[at] = (data[at] as number) ^ (1 << Math.floor(random() * 8));
      }
      cases.push({ label: `${name} with ${flips} bit flips (${i < 3 ? 'header' : 'anywhere'})`, data });
    }
  }
  return cases;
}

describe('image pipeline on corrupted input', () => {
  it('truncated and bit-flipped fixtures end in valid outputs or a terminal input error', async () => {
    const cases = mutations();
    expect(cases.length).toBe(104);
    const outcomes = { completed: 0, failed: 0 };
    const codes = new Set<string>();
    for (const { label, data } of cases) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${label}: no result within ${CASE_TIMEOUT_MS} ms`)),
          CASE_TIMEOUT_MS,
        );
      });
      try {
        const result = await Promise.race([processImage(data, SPECS), timeout]);
        for (const output of result.outputs) {
          const meta = await sharp(output.data).metadata();
          expect(meta.format, label).toBe(output.format);
        }
        outcomes.completed++;
      } catch (error) {
        expect(error, label).toBeInstanceOf(PipelineError);
        expect((error as PipelineError).kind, `${label}: ${(error as Error).message}`).toBe('input');
        codes.add((error as PipelineError).code);
        outcomes.failed++;
      } finally {
        clearTimeout(timer);
      }
    }
    // both outcomes occur, so the test exercises the decoders and not only the sniffing
    expect(outcomes.completed).toBeGreaterThan(5);
    expect(outcomes.failed).toBeGreaterThan(5);
    expect(codes.has('CORRUPT_MEDIA')).toBe(true);
  }, 240_000);
});
