import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { noiseGif } from '../support/animations.js';
import { type JobBody, pipelineClient } from '../support/pipeline-client.js';

/**
 * Inputs that cost far more to process than to send, on the local stack (which runs the worker in the API's
 * process): a 10000x10000 PNG, at the pixel limit, is refused by admission by cost before it is decoded on a
 * worker of the local (dev) size, an animation over the frame limit is refused from its header, and the API
 * keeps answering while they are handled.
 */
let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
}, 120_000);

afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});

describe('heavy inputs on the local stack', () => {
  it('refuses a 100 Mpx PNG and a 5,000-frame GIF with IMAGE_TOO_LARGE while GET /jobs stays fast', async () => {
    const png = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#2060a0' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const gif = await noiseGif(5_000);
    expect((await sharp(gif).metadata()).pages).toBe(5_000);
    const jobs = [
      await client.upload(png, 'huge.png', 'image/png'),
      await client.upload(gif, 'frames.gif', 'image/gif'),
    ];
    const latencies: number[] = [];
    const ended = new Map<string, JobBody>();
    for (const since = Date.now(); ended.size < jobs.length; ) {
      const started = performance.now();
      const listed = await client.api('GET', '/jobs?limit=20');
      latencies.push(performance.now() - started);
      expect(listed.status).toBe(200);
      for (const { id } of jobs) {
        const job = await client.job(id);
        if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status)) ended.set(id, job);
      }
      if (Date.now() - since > 60_000)
        throw new Error(`jobs did not end: ${JSON.stringify([...ended.values()])}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [huge, frames] = jobs.map(({ id }) => ended.get(id) as JobBody);
    expect(huge?.status).toBe('FAILED');
    expect(huge?.error).toMatchObject({ code: 'IMAGE_TOO_LARGE', retryable: false });
    expect(huge?.error?.detail).toMatch(
      /10000x10000: it needs about \d+ MiB to process, over the worker's \d+ MiB/,
    );
    expect(frames?.status).toBe('FAILED');
    expect(frames?.error).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      detail: 'animation has 5000 frames, over the limit of 1000',
    });
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number;
    expect(p95).toBeLessThan(500);
  }, 180_000);
});
