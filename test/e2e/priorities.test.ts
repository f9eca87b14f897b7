import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { readFixture } from '../support/fixtures.js';
import { type JobBody, localS3, pipelineClient } from '../support/pipeline-client.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;
const SOURCE_KEY = 't/demo/library/photo.jpg';

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
  const s3 = localS3(pipeline);
  // Big enough that the backlog takes a while to drain (about 0.1 s of work per job here).
  const photo = await sharp(readFixture('2569067123_aca715a2ee_o.jpg')).resize(1400).jpeg().toBuffer();
  await s3.send(
    new PutObjectCommand({
      Bucket: pipeline.stack.outputs.UploadsBucketName,
      Key: SOURCE_KEY,
      Body: photo,
      ContentType: 'image/jpeg',
    }),
  );
  s3.destroy();
});

afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});

/**
 * POST /jobs as a careful client does: retried with backoff on a 5xx or a failed connection, with an
 * Idempotency-Key so that a retry can never create a second job. The 25 submissions at a time below
 * saturate the one-process local stack, and the api function then sometimes hits its 10 s timeout
 * (`TimeoutError: [AbortError]` from middy's timeoutEarlyResponse, answered as a 500).
 */
const submit = async (priority: string) => {
  const response = await client.api<JobBody>('POST', '/jobs', {
    body: { source: { key: SOURCE_KEY }, priority, outputs: { preset: 'thumbnail' } },
    retry: true,
  });
  // 200 when a failed first try had created the job after all (the key finds it).
  expect([200, 202], JSON.stringify(response.body)).toContain(response.status);
  return response.body.id;
};

/** A bound on the stack's settling after one job (its processing, events and fan-out). */
const IDLE_MS = 60_000;
/** Fail only when nothing progresses this long: a loaded machine is slow, a stuck pipeline is still. */
const STALL_MS = 120_000;

describe('priorities: a low-priority backlog does not delay urgent work', () => {
  it('routes an urgent upload by its key prefix to the urgent queue and completes it', async () => {
    const job = await client.upload(readFixture('Landscape_2.jpg'), 'urgent.jpg', 'image/jpeg', {
      priority: 'urgent',
    });
    expect(job.source.key).toBe(`uploads/urgent/t/demo/${job.id}/urgent.jpg`);
    await pipeline.stack.idle(IDLE_MS);
    expect((await client.job(job.id)).status).toBe('COMPLETED');
    // One job: IDLE_MS for its settling plus 30 s for the upload. The default 30 s timeout was shorter
    // than the idle wait it bounds.
  }, 90_000);

  it('completes 5 urgent jobs submitted behind 300 low-priority ones before 30 more low ones finish', async () => {
    const low: string[] = [];
    for (let chunk = 0; chunk < 300; chunk += 25) {
      low.push(...(await Promise.all(Array.from({ length: 25 }, () => submit('low')))));
    }
    const urgentSubmittedAt = Date.now();
    const urgent = await Promise.all(Array.from({ length: 5 }, () => submit('urgent')));
    // No need to drain the backlog (minutes here: each job also publishes 4 events through the local bus
    // and fan-out in this one process): the question is only what finished while the urgent jobs ran.
    // Waits for the urgent jobs, failing only if none of them moves (status, stage, progress) for STALL_MS.
    let urgentJobs = await Promise.all(urgent.map((id) => client.job(id)));
    const state = () => JSON.stringify(urgentJobs.map((job) => [job.status, job.stage, job.progress]));
    let seen = state();
    let movedAt = Date.now();
    while (urgentJobs.some((job) => job.status !== 'COMPLETED')) {
      expect(urgentJobs.map((job) => job.status)).not.toContain('FAILED');
      expect(Date.now() - movedAt, `urgent jobs stalled: ${seen}`).toBeLessThan(STALL_MS);
      await new Promise((r) => setTimeout(r, 250));
      urgentJobs = await Promise.all(urgent.map((id) => client.job(id)));
      if (state() !== seen) [seen, movedAt] = [state(), Date.now()];
    }
    const urgentDone = Math.max(...urgentJobs.map((job) => Date.parse(job.completedAt ?? '')));
    const lowJobs = await Promise.all(low.map((id) => client.job(id)));
    expect(lowJobs.map((job) => job.status)).not.toContain('FAILED');
    const lowDone = lowJobs.flatMap((job) => (job.completedAt ? [Date.parse(job.completedAt)] : []));
    const lowOvertaking = lowDone.filter((at) => at > urgentSubmittedAt && at <= urgentDone).length;
    // The backlog was still there when the urgent jobs finished: most low jobs had not.
    expect(lowJobs.length - lowDone.filter((at) => at <= urgentDone).length).toBeGreaterThan(100);
    expect(lowOvertaking, `urgent jobs took ${urgentDone - urgentSubmittedAt} ms`).toBeLessThan(30);
    // A backstop only (about 30 s alone, minutes on a loaded machine): the stall check fails first, and
    // says where the urgent jobs were.
  }, 600_000);
});
