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

/** POST /batches, retried on a 5xx with an Idempotency-Key (a retry cannot create a second batch). */
async function submit(body: Record<string, unknown>): Promise<BatchBody> {
  const response = await client.api<BatchBody>('POST', '/batches', { body, retry: true });
  // 200 only when a retry found the batch its failed first try had created after all.
  const created = response.attempts > 1 ? [200, 202] : [202];
  expect(created, JSON.stringify(response.body)).toContain(response.status);
  return response.body;
}

const getBatch = async (id: string, query = '') => {
  const response = await client.api<BatchBody>('GET', `/batches/${id}${query}`, { retry: true });
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

/**
 * How long a wait below lets nothing change before it fails. Not a deadline for the work: on a loaded
 * machine a batch takes many times longer than alone, but its jobs keep changing status (a thumbnail of
 * these sources takes well under a second), so a minute without any change means it is stuck.
 */
const STALL_MS = 60_000;

/** Polls the batch until `done`, failing only when its status and counts stay the same for STALL_MS. */
async function until(id: string, done: (batch: BatchBody) => boolean, onPoll?: (b: BatchBody) => void) {
  let seen = '';
  let movedAt = Date.now();
  for (;;) {
    const batch = await getBatch(id, '?limit=1');
    onPoll?.(batch);
    if (done(batch)) return batch;
    const state = `${batch.status} ${JSON.stringify(batch.counts)}`;
    if (state !== seen) [seen, movedAt] = [state, Date.now()];
    else if (Date.now() - movedAt > STALL_MS)
      throw new Error(`batch ${id} stalled for ${STALL_MS} ms at ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Polls GET /batches/{id}/report until `ready`. The rewrite awaited is bounded work (one job-ended event,
 * one report), but on a loaded machine that event may queue behind the local bus's backlog: hence the
 * generous bound, twice what `until` allows between two changes.
 */
const REWRITE_MS = 2 * STALL_MS;
async function reportWhen<T>(id: string, ready: (report: T) => boolean): Promise<T> {
  const deadline = Date.now() + REWRITE_MS;
  for (;;) {
    const response = await client.api<T>('GET', `/batches/${id}/report`, { retry: true });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    if (ready(response.body)) return response.body;
    if (Date.now() > deadline)
      throw new Error(
        `batch ${id}: report not rewritten after ${REWRITE_MS} ms: ${JSON.stringify(response.body)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const ended = (batch: BatchBody) =>
  (batch.status === 'COMPLETED' || batch.status === 'CANCELLED') && !!batch.endedAt;

// Backstops only: the waits fail first, on a stall (`until`, `reportWhen`), with the batch's state.
describe('batches on the local stack', { timeout: 300_000 }, () => {
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
    await until(batch.id, ended);
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
    const done = await until(batch.id, ended, (b) => {
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
      { retry: true },
    );
    expect(report.body.total).toBe(200);
    expect(new Set(report.body.jobs.map((j) => j.jobId))).toEqual(new Set(all.map((j) => j.id)));
    expect(report.body.jobs.find((j) => j.jobId === victim.id)?.status).toBe('CANCELLED');
    const csv = await fetch(`${pipeline.apiUrl}/batches/${batch.id}/report?format=csv`, {
      headers: { 'x-api-key': pipeline.apiKey },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(201);
    // A backstop only (about 40 s alone, several minutes on a loaded machine): `until` fails first.
  }, 900_000);

  it('retries a failed job inside a finished batch: counts and report update', async () => {
    const badKey = 't/demo/batch/fixable.jpg';
    await put(badKey, Buffer.from('not a jpeg at all'));
    const batch = await submit({ name: 'retry', jobs: [job('ok'), job('broken', badKey)] });
    const finished = await until(batch.id, ended);
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
    const again = await until(batch.id, (b) => b.counts.COMPLETED === 2);
    expect(again.counts).toEqual({ COMPLETED: 2 });
    // The finished batch's report is rewritten when the retried job's end event reaches the batch runner
    // (through the local bus, which may still be busy with the previous tests' events: so wait for that
    // rewrite itself, not for the whole stack to fall idle).
    type Report = { counts: Record<string, number>; jobs: { jobId: string; status: string }[] };
    // Rewritten after the retried job ended: its row shows an end other than the first failure.
    const rewritten = (r: Report) =>
      ['COMPLETED', 'CANCELLED'].includes(String(r.jobs.find((j) => j.jobId === broken.id)?.status));
    const report = await reportWhen(batch.id, rewritten);
    expect(report.jobs.find((j) => j.jobId === broken.id)?.status).toBe('COMPLETED');
    expect(report.counts).toEqual({ COMPLETED: 2 });
    const notFailed = await client.api('POST', `/batches/${batch.id}/jobs/${broken.id}/retry`);
    expect(notFailed.status).toBe(409);
  });

  it('cancels a whole batch: nothing starts afterwards, nothing is left running', async () => {
    const batch = await submit({
      name: 'cancel me',
      maxConcurrency: 2,
      jobs: Array.from({ length: 40 }, (_, i) => job(`c${i}`)),
    });
    await until(batch.id, (b) => (b.counts.COMPLETED ?? 0) >= 3);
    const cancel = await client.api<BatchBody>('DELETE', `/batches/${batch.id}`);
    const cancelledAt = Date.now();
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    const done = await until(batch.id, ended);
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
    const done = await until(batch.id, ended);
    expect(done.status).toBe('COMPLETED');
    const jobs = await allJobs(batch.id);
    // at() has one-second resolution.
    for (const j of jobs)
      expect(Date.parse(String(j.queuedAt))).toBeGreaterThanOrEqual(startAt.getTime() - 1000);
  });
});
