/**
 * Batches on the local stack: the synthesized batch state machine (aws-local-stepfunctions, its
 * Distributed Map run inline), the task-token callback through the local bus, the workers, EventBridge
 * Scheduler for startAt. Sources are small JPEGs, so the batch machinery dominates the time.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { batchCommand } from '../../src/cli/batch-command.js';
import { type JobBody, localS3, pipelineClient } from '../support/pipeline-client.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;
let s3: S3Client;
const GOOD = 't/demo/batch/good.jpg';
const BAD = 't/demo/batch/bad.jpg';

interface BatchBody {
  id: string;
  status: string;
  total: number;
  counts: Record<string, number>;
  percentComplete: number;
  etaSeconds?: number;
  endedAt?: string;
  jobs: JobBody[];
  cursor?: string;
  report: { available: boolean };
}

const put = (key: string, body: Buffer) =>
  s3.send(
    new PutObjectCommand({
      Bucket: pipeline.stack.outputs.UploadsBucketName,
      Key: key,
      Body: body,
      ContentType: 'image/jpeg',
    }),
  );

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
  s3 = localS3(pipeline);
  const jpeg = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#3366aa' } })
    .jpeg()
    .toBuffer();
  await put(GOOD, jpeg);
  await put(BAD, jpeg.subarray(0, 40));
});

afterAll(async () => {
  client?.close();
  s3?.destroy();
  await pipeline?.stop();
});

const job = (ref: string, key = GOOD, dependsOn?: string[]) => ({
  ref,
  source: { key },
  outputs: { preset: 'thumbnail' },
  ...(dependsOn ? { dependsOn } : {}),
});

async function submit(body: Record<string, unknown>): Promise<BatchBody> {
  const response = await client.api<BatchBody>('POST', '/batches', { body });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body;
}

const getBatch = async (id: string, query = '') => {
  const response = await client.api<BatchBody>('GET', `/batches/${id}${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
};

/** Every job of the batch, page by page. */
async function allJobs(id: string): Promise<JobBody[]> {
  const jobs: JobBody[] = [];
  let cursor: string | undefined;
  do {
    const page = await getBatch(id, `?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor);
  return jobs;
}

async function until(
  id: string,
  done: (batch: BatchBody) => boolean,
  timeoutMs: number,
  onPoll?: (b: BatchBody) => void,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await getBatch(id, '?limit=1');
    onPoll?.(batch);
    if (done(batch)) return batch;
    if (Date.now() > deadline)
      throw new Error(`batch ${id} still ${batch.status} ${JSON.stringify(batch.counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
const ended = (batch: BatchBody) =>
  (batch.status === 'COMPLETED' || batch.status === 'CANCELLED') && !!batch.endedAt;

describe('batches on the local stack', { timeout: 120_000 }, () => {
  it('runs A→B→C in order and refuses a cycle', async () => {
    const cycle = await client.api('POST', '/batches', {
      body: { name: 'cycle', jobs: [job('a', GOOD, ['b']), job('b', GOOD, ['a'])] },
    });
    expect(cycle.status).toBe(422);
    expect(cycle.body).toMatchObject({ code: 'INVALID_DEPENDENCIES' });

    const batch = await submit({
      name: 'chain',
      maxConcurrency: 3,
      jobs: [job('c', GOOD, ['b']), job('b', GOOD, ['a']), job('a')],
    });
    await until(batch.id, ended, 60_000);
    const jobs = new Map((await allJobs(batch.id)).map((j) => [j.batch?.ref, j]));
    expect([...jobs.values()].map((j) => j.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    const time = (ref: string, field: 'queuedAt' | 'completedAt') =>
      Date.parse(String(jobs.get(ref)?.[field]));
    expect(time('b', 'queuedAt')).toBeGreaterThanOrEqual(time('a', 'completedAt'));
    expect(time('c', 'queuedAt')).toBeGreaterThanOrEqual(time('b', 'completedAt'));
  });

  it('runs 200 jobs with maxConcurrency 3: never more than 3 started at once; one cancelled mid-batch', async () => {
    const batch = await submit({
      name: 'two hundred',
      maxConcurrency: 3,
      jobs: Array.from({ length: 200 }, (_, i) => job(`j${i}`)),
    });
    const last = (await getBatch(batch.id, '?limit=1&cursor=')).jobs; // first page works with an empty cursor too
    expect(last).toHaveLength(1);
    const all = await allJobs(batch.id);
    expect(all).toHaveLength(200);
    const victim = all[150] as JobBody;
    const cancel = await client.api<JobBody>('DELETE', `/batches/${batch.id}/jobs/${victim.id}`);
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');

    let maxRunning = 0;
    let samples = 0;
    const done = await until(batch.id, ended, 240_000, (b) => {
      samples++;
      maxRunning = Math.max(maxRunning, (b.counts.QUEUED ?? 0) + (b.counts.PROCESSING ?? 0));
    });
    console.log(`200-job batch: ${samples} samples, at most ${maxRunning} queued+processing at once`);
    expect(samples).toBeGreaterThan(10);
    expect(maxRunning).toBeGreaterThan(0);
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      counts: { COMPLETED: 199, CANCELLED: 1 },
      percentComplete: 100,
    });

    const report = await client.api<{ total: number; jobs: { jobId: string; status: string }[] }>(
      'GET',
      `/batches/${batch.id}/report`,
    );
    expect(report.body.total).toBe(200);
    expect(new Set(report.body.jobs.map((j) => j.jobId))).toEqual(new Set(all.map((j) => j.id)));
    expect(report.body.jobs.find((j) => j.jobId === victim.id)?.status).toBe('CANCELLED');
    const csv = await fetch(`${pipeline.apiUrl}/batches/${batch.id}/report?format=csv`, {
      headers: { 'x-api-key': pipeline.apiKey },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(201);
  }, 300_000);

  it('retries a failed job inside a finished batch: counts and report update', async () => {
    const badKey = 't/demo/batch/fixable.jpg';
    await put(badKey, Buffer.from('not a jpeg at all'));
    const batch = await submit({ name: 'retry', jobs: [job('ok'), job('broken', badKey)] });
    const finished = await until(batch.id, ended, 60_000);
    expect(finished).toMatchObject({ status: 'COMPLETED', counts: { COMPLETED: 1, FAILED: 1 } });
    const broken = (await allJobs(batch.id)).find((j) => j.batch?.ref === 'broken') as JobBody;
    expect(broken.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    await put(
      badKey,
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer(),
    );
    const retry = await client.api<JobBody>('POST', `/batches/${batch.id}/jobs/${broken.id}/retry`);
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    const again = await until(batch.id, (b) => b.counts.COMPLETED === 2, 60_000);
    expect(again.counts).toEqual({ COMPLETED: 2 });
    await pipeline.stack.idle(30_000);
    const report = await client.api<{ counts: Record<string, number> }>('GET', `/batches/${batch.id}/report`);
    expect(report.body.counts).toEqual({ COMPLETED: 2 });
    const notFailed = await client.api('POST', `/batches/${batch.id}/jobs/${broken.id}/retry`);
    expect(notFailed.status).toBe(409);
  });

  it('cancels a whole batch: nothing starts afterwards, nothing is left running', async () => {
    const batch = await submit({
      name: 'cancel me',
      maxConcurrency: 2,
      jobs: Array.from({ length: 40 }, (_, i) => job(`c${i}`)),
    });
    await until(batch.id, (b) => (b.counts.COMPLETED ?? 0) >= 3, 60_000);
    const cancel = await client.api<BatchBody>('DELETE', `/batches/${batch.id}`);
    const cancelledAt = Date.now();
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    const done = await until(batch.id, ended, 60_000);
    expect(done.status).toBe('CANCELLED');
    const jobs = await allJobs(batch.id);
    expect(jobs.filter((j) => j.status !== 'COMPLETED' && j.status !== 'CANCELLED')).toEqual([]);
    // No worker took a job after the cancel returned, and nothing queued after it completed.
    expect(jobs.filter((j) => j.startedAt && Date.parse(j.startedAt) > cancelledAt)).toEqual([]);
    expect(
      jobs.filter((j) => j.status === 'COMPLETED' && Date.parse(String(j.queuedAt)) > cancelledAt),
    ).toEqual([]);
    expect(done.counts.CANCELLED).toBeGreaterThan(30);
    const report = await client.api<{ batch: { status: string } }>('GET', `/batches/${batch.id}/report`);
    expect(report.body.batch.status).toBe('CANCELLED');
    expect((await client.api('DELETE', `/batches/${batch.id}`)).status).toBe(409);
  });

  it('submits and follows a batch from the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batch-cli-'));
    const spec = join(dir, 'batch.json');
    writeFileSync(
      spec,
      JSON.stringify({ name: 'cli', maxConcurrency: 2, jobs: [job('p'), job('q'), job('r', BAD)] }),
    );
    const lines: string[] = [];
    const code = await batchCommand(spec, {
      wait: true,
      api: pipeline.apiUrl,
      apiKey: pipeline.apiKey,
      pollMs: 200,
      log: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(lines.at(-2)).toMatch(/^batch \S+ COMPLETED: 2 completed, 1 failed$/);
  });

  it('keeps a batch with startAt in the future SCHEDULED until then (EventBridge Scheduler)', async () => {
    const startAt = new Date(Date.now() + 5000);
    const batch = await submit({ name: 'later', startAt: startAt.toISOString(), jobs: [job('x'), job('y')] });
    expect(batch.status).toBe('SCHEDULED');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await getBatch(batch.id)).toMatchObject({ status: 'SCHEDULED', counts: { PENDING: 2 } });
    const done = await until(batch.id, ended, 60_000);
    expect(done.status).toBe('COMPLETED');
    const jobs = await allJobs(batch.id);
    // at() has one-second resolution.
    for (const j of jobs)
      expect(Date.parse(String(j.queuedAt))).toBeGreaterThanOrEqual(startAt.getTime() - 1000);
  });
});
