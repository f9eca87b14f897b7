import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOutputsPrefix } from '../../src/core/keys.js';
import { WebhookReceiver } from '../../src/webhooks/receiver.js';
import { fixturePath } from '../support/fixtures.js';
import { testRandom } from '../support/seed.js';
import { StackProcess } from '../support/stack-process.js';
import { renderClip } from '../support/video-clips.js';
import { closeReceivers, type Receiver, receiver } from '../support/webhook-receiver.js';

/**
 * Chaos, sized for CI: `npm start`'s entry runs as a child process on its own data folder and ports, loaded
 * with image jobs, one short video, one small batch, an input that must fail and an upload that is cancelled,
 * with a webhook endpoint on a receiver in this process. The whole stack is SIGKILLed at random moments
 * three times and restarted each time. The job table is the truth: every accepted job ends in exactly one
 * terminal state (COMPLETED for valid inputs) with its outputs at the recorded sizes, failed and cancelled
 * jobs leave no outputs, each terminal event reaches the receiver once (by webhook-id) or is dead-lettered,
 * the batch report counts every job, and no retried request creates a second job.
 */
const KILLS = 3;
const JOBS_PER_ROUND = 4;
const BATCH_JOBS = 3;
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];
const TERMINAL_EVENT: Record<string, string> = {
  COMPLETED: 'media.job.completed',
  FAILED: 'media.job.failed',
  CANCELLED: 'media.job.cancelled',
};
const random = testRandom('crash-recovery');
let dataDir: string;
let stack: StackProcess;
let hooks: Receiver;
let verifier: WebhookReceiver | undefined;
/** Verified terminal events by job: the distinct webhook-ids each arrived with. */
const terminalEvents = new Map<string, Map<string, Set<string>>>();
let unverified = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mp-crash-'));
  // The reconciler's rule fires every second here (the template says every minute).
  stack = await StackProcess.create(dataDir, { MP_SCHEDULE_INTERVAL_MS: '1000' });
  hooks = await receiver((_req, res, n) => {
    // Verified on receipt (its timestamp is checked against now), as a real receiver does.
    const request = hooks.requests[n - 1] as { headers: Record<string, string>; body: string };
    try {
      const payload = JSON.parse(request.body) as { type: string; data: { job: { id: string } } };
      if (!verifier) throw new Error('no secret yet');
      verifier.receive(request.body, request.headers);
      if (Object.values(TERMINAL_EVENT).includes(payload.type)) {
        const byType = terminalEvents.get(payload.data.job.id) ?? new Map<string, Set<string>>();
        byType.set(
          payload.type,
          (byType.get(payload.type) ?? new Set()).add(request.headers['webhook-id'] ?? ''),
        );
        terminalEvents.set(payload.data.job.id, byType);
      }
      res.writeHead(204).end();
    } catch {
      unverified++;
      res.writeHead(400).end();
    }
  });
  await stack.start();
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await closeReceivers();
  await rm(dataDir, { recursive: true, force: true });
});

describe('crash recovery of the durable local stack', () => {
  it(`finishes every accepted job exactly once across ${KILLS} SIGKILLs`, async () => {
    const endpoint = await stack.retried('POST', '/webhooks', { url: hooks.url }, 'chaos-webhook');
    verifier = new WebhookReceiver([endpoint.secret as string]);
    const source = await readFile(fixturePath('2569067123_aca715a2ee_o.jpg'));
    const jobIds = new Map<string, string>();
    const expected = new Map<string, string>();
    let batchId = '';
    for (let round = 0; round <= KILLS; round++) {
      // Distinct images (their own sizes), so no job is a duplicate of another.
      for (let i = 0; i < JOBS_PER_ROUND; i++) {
        const name = `r${round}-${i}`;
        const width = 600 + Math.floor(random() * 1400);
        const key = `t/demo/chaos/${name}.jpg`;
        await putJpeg(key, source, width);
        jobIds.set(name, await submit(key, `chaos-${name}`));
      }
      if (round === 0) {
        batchId = await submitBatch(source);
        jobIds.set('video', await submitVideo());
        expected.set('video', 'COMPLETED');
        jobIds.set('corrupt', await submitCorrupt());
        expected.set('corrupt', 'FAILED');
        jobIds.set('cancelled', await submitCancelled());
        expected.set('cancelled', 'CANCELLED');
      }
      if (round === KILLS) break;
      // Kill at a random moment while the round's jobs are being processed.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 2500)));
      await stack.kill();
      await stack.start();
    }

    const views = await untilTerminal([...jobIds.values()]);
    const outputs = stack.bucketNames().outputs;
    for (const [name, id] of jobIds) {
      const view = views.get(id) as Record<string, unknown>;
      expect(view.status, `${name} ${id}: ${JSON.stringify(view.error)}`).toBe(
        expected.get(name) ?? 'COMPLETED',
      );
      if (view.status === 'COMPLETED') {
        const written = view.outputs as { key: string; bytes: number }[];
        expect(written.length).toBeGreaterThan(0);
        for (const output of written)
          expect(await storedBytes(outputs, output.key), output.key).toBe(output.bytes);
      } else {
        // FAILED or CANCELLED: nothing left under the job's outputs.
        const listed = await stack.s3.send(
          new ListObjectsV2Command({ Bucket: outputs, Prefix: jobOutputsPrefix('demo', id) }),
        );
        expect(listed.KeyCount ?? 0, `${name} left outputs`).toBe(0);
      }
    }
    const corrupt = views.get(jobIds.get('corrupt') as string) as { error?: { code: string } };
    expect(corrupt.error?.code).toMatch(/^[A-Z_]+$/);

    // The batch, whose execution each kill lost, ends COMPLETED and its report counts every job.
    const batch = await until(
      async () => {
        const { body } = await stack.api('GET', `/batches/${batchId}`);
        return body.status === 'COMPLETED' ? body : undefined;
      },
      () => `batch not finishing`,
    );
    const batchJobs = batch.jobs as { id: string; status: string }[];
    expect(batchJobs.map((job) => job.status)).toEqual(Array(BATCH_JOBS).fill('COMPLETED'));
    const report = await until(
      async () => {
        const answer = await stack.api('GET', `/batches/${batchId}/report`);
        return answer.status === 200 ? answer.body : undefined;
      },
      () => 'no batch report',
    );
    expect(JSON.stringify(report)).toContain(`"total":${BATCH_JOBS}`);

    // Each job's terminal event reached the receiver under one webhook-id, or its delivery is dead-lettered.
    const allJobs = new Map<string, string>(batchJobs.map((j) => [j.id, j.status]));
    for (const id of jobIds.values()) allJobs.set(id, views.get(id)?.status as string);
    const missing = () =>
      [...allJobs].filter(
        ([id, status]) => !terminalEvents.get(id)?.has(TERMINAL_EVENT[status as string] ?? ''),
      );
    await until(
      async () => (missing().length === 0 ? true : undefined),
      () => `terminal events not received: ${JSON.stringify(missing())}`,
      60_000,
    ).catch(async (error) => {
      // The receiver accepts everything, so none should be; a dead-lettered one still counts as handled.
      if (missing().length > (await deadLetteredTerminal(endpoint.id as string))) throw error;
    });
    for (const [id, byType] of terminalEvents) {
      const types = [...byType.keys()];
      expect(types, `${id} has more than one terminal event`).toHaveLength(1);
      expect(byType.get(types[0] as string)?.size, `${id}: one webhook-id per event`).toBe(1);
    }
    expect(unverified).toBe(0);

    // Retried submits never made a second job: exactly one job per Idempotency-Key.
    const listed = await stack.api('GET', '/jobs?limit=100');
    const standalone = (listed.body.jobs as { id: string }[]).filter(
      (job) => !batchJobs.some((b) => b.id === job.id),
    );
    expect(standalone.length).toBe(jobIds.size);
  }, 900_000);

  it('stops gracefully on SIGTERM within its deadline, and the jobs it held finish after the restart', async () => {
    const source = await readFile(fixturePath('Landscape_6.jpg'));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const key = `t/demo/chaos/term-${i}.jpg`;
      await putJpeg(key, source, 800 + 50 * i);
      ids.push(await submit(key, `chaos-term-${i}`));
    }
    const { code, ms } = await stack.terminate();
    expect(code).toBe(0);
    // MP_STOP_DEADLINE_SECONDS (25 s by default) bounds the stop, plus the process's own exit.
    expect(ms).toBeLessThan(35_000);
    expect(stack.tail(200)).toContain('SIGTERM: stopping the local stack');
    await stack.start();
    const views = await untilTerminal(ids);
    expect([...views.values()].map((v) => v.status)).toEqual(Array(4).fill('COMPLETED'));
  }, 300_000);
});

/** Polls until `check` gives a value; fails after `stallMs` without one (a stall, not a fixed deadline). */
async function until<T>(
  check: () => Promise<T | undefined>,
  why: () => string,
  stallMs = 180_000,
): Promise<T> {
  for (const since = Date.now(); ; ) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - since > stallMs) throw new Error(`${why()}\n${stack.tail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every job reaches a terminal status; 90 s with no job finishing fails the test. */
async function untilTerminal(ids: string[]) {
  const pending = new Set(ids);
  const views = new Map<string, Record<string, unknown>>();
  let lastProgress = Date.now();
  while (pending.size) {
    for (const id of [...pending]) {
      const { status, body } = await stack.api('GET', `/jobs/${id}`);
      expect(status).toBe(200);
      if (TERMINAL.includes(body.status as string)) {
        views.set(id, body);
        pending.delete(id);
        lastProgress = Date.now();
      }
    }
    if (Date.now() - lastProgress > 90_000)
      throw new Error(`jobs not finishing: ${[...pending].join(', ')}\n${stack.tail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return views;
}

/** Uploads `source` resized to `width` as a JPEG: a distinct image per job, so none is another's duplicate. */
async function putJpeg(key: string, source: Buffer, width: number): Promise<void> {
  await stack.put(key, await sharp(source).resize(width).jpeg().toBuffer(), 'image/jpeg');
}

const jobIdOf = (body: Record<string, unknown>) => (body.id ?? (body.job as { id: string }).id) as string;

async function submit(
  key: string,
  idempotencyKey: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const body = { source: { key }, outputs: { preset: 'thumbnail' }, ...extra };
  return jobIdOf(await stack.retried('POST', '/jobs', body, idempotencyKey));
}

/** A short clip (HLS and MP4), long enough to be transcoding when the first kill comes. */
async function submitVideo(): Promise<string> {
  const file = join(dataDir, 'clip.mp4');
  await renderClip(file, { width: 480, height: 270, seconds: 4 });
  await stack.put('t/demo/chaos/clip.mp4', await readFile(file), 'video/mp4');
  return submit('t/demo/chaos/clip.mp4', 'chaos-video', {
    video: { outputs: [{ kind: 'mp4', maxHeight: 270 }, { kind: 'hls', ladder: [270] }, { kind: 'poster' }] },
  });
}

/** Bytes that are no image: the job must end FAILED with a code, and leave nothing behind. */
async function submitCorrupt(): Promise<string> {
  await stack.put('t/demo/chaos/corrupt.jpg', randomBytes(50_000), 'image/jpeg');
  return submit('t/demo/chaos/corrupt.jpg', 'chaos-corrupt');
}

/** An upload granted and cancelled before any byte arrived. */
async function submitCancelled(): Promise<string> {
  const grant = await stack.retried(
    'POST',
    '/uploads',
    { fileName: 'never.jpg', contentType: 'image/jpeg', size: 1000, outputs: { preset: 'thumbnail' } },
    'chaos-cancelled',
  );
  const id = jobIdOf(grant);
  await stack.retried('DELETE', `/jobs/${id}`, undefined, 'chaos-cancel');
  return id;
}

/** A small batch (one job at a time, so it spans the kills), submitted once with an Idempotency-Key. */
async function submitBatch(source: Buffer): Promise<string> {
  const jobs = [];
  for (let i = 0; i < BATCH_JOBS; i++) {
    const key = `t/demo/chaos/batch-${i}.jpg`;
    await putJpeg(key, source, 500 + 37 * i);
    jobs.push({ ref: `b${i}`, source: { key }, outputs: { preset: 'thumbnail' } });
  }
  const body = await stack.retried(
    'POST',
    '/batches',
    { name: 'chaos', maxConcurrency: 1, jobs },
    'chaos-batch',
  );
  return (body.id ?? (body.batch as { id: string }).id) as string;
}

/**
 * The bytes an output stands for, as stored: a file's size; a media playlist's own size plus the segments it
 * names (as the transcoder records it); a master playlist or manifest only when every file it names is there.
 */
async function storedBytes(Bucket: string, key: string): Promise<number> {
  const head = await stack.s3.send(new HeadObjectCommand({ Bucket, Key: key }));
  if (!key.endsWith('.m3u8')) return head.ContentLength ?? -1;
  const text = await (
    await stack.s3.send(new GetObjectCommand({ Bucket, Key: key }))
  ).Body?.transformToString();
  const uris = (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .flatMap((line) => (line.startsWith('#') ? [line.match(/URI="([^"]+)"/)?.[1] ?? ''] : [line]))
    .filter(Boolean);
  const named = await Promise.all(
    uris.map((uri) => storedBytes(Bucket, posix.join(posix.dirname(key), uri))),
  );
  return text?.includes('#EXTINF')
    ? named.reduce((sum, n) => sum + n, head.ContentLength ?? 0)
    : (head.ContentLength ?? -1);
}

/** How many terminal events' deliveries to the endpoint were dead-lettered. */
async function deadLetteredTerminal(endpointId: string): Promise<number> {
  const { body } = await stack.api(
    'GET',
    `/webhooks/${endpointId}/deliveries?status=DEAD_LETTERED&limit=100`,
  );
  const deliveries = (body.deliveries ?? []) as { eventType: string }[];
  return deliveries.filter((d) => Object.values(TERMINAL_EVENT).includes(d.eventType)).length;
}
