import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { INGEST_MAX_RECEIVE_COUNT } from '../../lib/constructs/ingest.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { failOutputWrites } from '../support/faults.js';
import { readFixture } from '../support/fixtures.js';
import { type JobBody, pipelineClient } from '../support/pipeline-client.js';

const PHOTO = readFixture('Landscape_1.jpg');

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  // Failed messages come back at once instead of after the queue's visibility timeout.
  pipeline = await startLocalPipeline({ failedMessageVisibilitySeconds: 0 });
  client = pipelineClient(pipeline);
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});

/** A bound on the stack's settling after a test's uploads (their retries, events and fan-out). */
const IDLE_MS = 60_000;
/**
 * Each test waits for the stack to settle at most twice (IDLE_MS each) plus its uploads: the default 30 s
 * timeout was shorter than one such wait, so on a loaded machine it cut the dead-letter test short (ten
 * deliveries of a real render) and left its job running into the next test.
 */
const TIMEOUT_MS = 2 * IDLE_MS + 30_000;
/** No new delivery of a retried message for this long means it is not coming back. */
const STALL_MS = 20_000;

describe('local pipeline: duplicates and faults end in exactly one terminal state', {
  timeout: TIMEOUT_MS,
}, () => {
  it('handles the same S3 event delivered twice (at once and later) as one job run', async () => {
    const created = await client.upload(PHOTO, 'twice.jpg', 'image/jpeg');
    const bucket = pipeline.stack.outputs.UploadsBucketName ?? '';
    await client.sendS3Event(bucket, created.source.key, PHOTO.length);
    await pipeline.stack.idle(IDLE_MS);
    const first = await client.job(created.id);
    expect(first.status).toBe('COMPLETED');

    await client.sendS3Event(bucket, created.source.key, PHOTO.length);
    await pipeline.stack.idle(IDLE_MS);
    const second = await client.job(created.id);
    expect(second.updatedAt).toBe(first.updatedAt);
    expect(second.outputs?.map((o) => [o.key, o.bytes])).toEqual(first.outputs?.map((o) => [o.key, o.bytes]));
  });

  it('honours Idempotency-Key: one job per key, a different body under the same key is refused', async () => {
    const headers = { 'idempotency-key': `upload-${Date.now()}` };
    const body = {
      fileName: 'same.jpg',
      contentType: 'image/jpeg',
      size: PHOTO.length,
      outputs: { preset: 'web' },
    };
    const first = await client.api<{ job: JobBody }>('POST', '/uploads', { body, headers });
    const second = await client.api<{ job: JobBody }>('POST', '/uploads', { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.job.id).toBe(first.body.job.id);
    const conflicting = await client.api('POST', '/uploads', { body: { ...body, size: 5 }, headers });
    expect(conflicting.status).toBe(422);
    expect(conflicting.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // The same key is independent per tenant.
    const other = await client.api<{ job: JobBody }>('POST', '/uploads', {
      body,
      headers,
      apiKey: await pipeline.createApiKey('other-tenant'),
    });
    expect(other.status).toBe(201);
    expect(other.body.job.id).not.toBe(first.body.job.id);

    const listed = await client.api<{ jobs: JobBody[] }>('GET', '/jobs?limit=100');
    expect(listed.body.jobs.filter((j) => j.id === first.body.job.id)).toHaveLength(1);
  });

  it('retries a worker that throws mid-job and ends COMPLETED once, with every output', async () => {
    const created = await client.requestUpload('flaky.jpg', PHOTO.length);
    const spy = failOutputWrites(created.job.id, 1);
    expect((await client.postFile(created.upload, PHOTO, 'image/jpeg')).status).toBe(204);
    await pipeline.stack.idle(IDLE_MS);
    const job = await client.job(created.job.id);
    expect(job.status).toBe('COMPLETED');
    expect(job.error).toBeUndefined();
    expect(job.outputs).toHaveLength(4);
    const failedCalls = spy.mock.settledResults.filter((r) => r.type === 'rejected');
    expect(failedCalls).toHaveLength(1);
  });

  it('dead-letters a message that fails every delivery: the job ends FAILED with RETRIES_EXHAUSTED; others complete', async () => {
    const poisoned = await client.requestUpload('poison.jpg', PHOTO.length);
    const spy = failOutputWrites(poisoned.job.id, Number.POSITIVE_INFINITY);
    expect((await client.postFile(poisoned.upload, PHOTO, 'image/jpeg')).status).toBe(204);
    const healthy = await client.upload(PHOTO, 'healthy.jpg', 'image/jpeg');
    await pipeline.stack.idle(IDLE_MS);
    // Between two deliveries the message is invisible (its retry backoff), which idle() can take for quiet
    // on a loaded machine: wait for the job to end, failing only when no delivery came for STALL_MS.
    let job = await client.job(poisoned.job.id);
    let seen = spy.mock.settledResults.length;
    for (let lastDelivery = Date.now(); job.status !== 'FAILED' && job.status !== 'COMPLETED'; ) {
      if (spy.mock.settledResults.length !== seen) {
        seen = spy.mock.settledResults.length;
        lastDelivery = Date.now();
      }
      if (Date.now() - lastDelivery > STALL_MS) break;
      await new Promise((r) => setTimeout(r, 250));
      job = await client.job(poisoned.job.id);
    }
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'RETRIES_EXHAUSTED', retryable: false });
    // One failed delivery per receive, up to the ingest queue's maxReceiveCount, then the DLQ.
    const rejected = spy.mock.settledResults.filter((r) => r.type === 'rejected');
    expect(rejected).toHaveLength(INGEST_MAX_RECEIVE_COUNT);
    expect((await client.job(healthy.id)).status).toBe('COMPLETED');

    // A late redelivery cannot resurrect the failed job.
    vi.restoreAllMocks();
    await client.sendS3Event(pipeline.stack.outputs.UploadsBucketName ?? '', job.source.key, PHOTO.length);
    await pipeline.stack.idle(IDLE_MS);
    expect((await client.job(job.id)).status).toBe('FAILED');

    // The dead letter is listed and counted; once the fault is gone, a redrive finishes the job.
    const listed = await client.api<{ deadLetters: { jobId: string }[] }>('GET', '/dead-letters');
    expect(listed.body.deadLetters.map((d) => d.jobId)).toContain(job.id);
    const stats = await client.api<{ deadLetters: { count: number } }>('GET', '/stats');
    expect(stats.body.deadLetters.count).toBeGreaterThanOrEqual(1);
    const redriven = await client.api<{ redriven: string[] }>('POST', '/dead-letters/redrive', { body: {} });
    expect(redriven.body.redriven).toContain(job.id);
    await pipeline.stack.idle(IDLE_MS);
    const finished = await client.job(job.id);
    expect(finished.status).toBe('COMPLETED');
    expect(finished.outputs).toHaveLength(4);
    const after = await client.api<{ deadLetters: { jobId: string }[] }>('GET', '/dead-letters');
    expect(after.body.deadLetters.map((d) => d.jobId)).not.toContain(job.id);
  });

  it('acknowledges a malformed message without touching any job', async () => {
    const before = await client.api<{ jobs: JobBody[] }>('GET', '/jobs?limit=100');
    await client.sendRaw('{"not":"an s3 event"}');
    await client.sendRaw('not json at all');
    await pipeline.stack.idle(IDLE_MS);
    const after = await client.api<{ jobs: JobBody[] }>('GET', '/jobs?limit=100');
    const summary = (jobs: JobBody[]) => jobs.map((j) => [j.id, j.status, j.updatedAt]);
    expect(summary(after.body.jobs)).toEqual(summary(before.body.jobs));
  });
});
