/**
 * A retryable worker failure comes back after a short backoff (here 2 s base), not after the ingest
 * queue's visibility timeout (12 min in dev): the local stack runs without the tests' usual
 * "redeliver at once" knob, so the worker's own ChangeMessageVisibility decides.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { failOutputWrites } from '../support/faults.js';
import { readFixture } from '../support/fixtures.js';
import { pipelineClient } from '../support/pipeline-client.js';

const PHOTO = readFixture('Landscape_1.jpg');
let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  process.env.WORKER_RETRY_BASE_SECONDS = '2';
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});

describe('retryable failures', () => {
  it('come back after the backoff and complete, long before the queue visibility timeout', async () => {
    const created = await client.requestUpload('flaky.jpg', PHOTO.length);
    const spy = failOutputWrites(created.job.id, 1);
    const started = Date.now();
    expect((await client.postFile(created.upload, PHOTO, 'image/jpeg')).status).toBe(204);
    let job = await client.job(created.job.id);
    while (job.status !== 'COMPLETED' && Date.now() - started < 25_000) {
      await new Promise((r) => setTimeout(r, 200));
      job = await client.job(created.job.id);
    }
    expect(job.status).toBe('COMPLETED');
    expect(spy.mock.settledResults.filter((r) => r.type === 'rejected')).toHaveLength(1);
    // First receive: 1-2 s hidden (equal jitter on a 2 s base), then the retry's own work.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
