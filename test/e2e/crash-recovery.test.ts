import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../support/fixtures.js';
import { testRandom } from '../support/seed.js';

/**
 * Chaos, sized for CI: `npm start`'s entry runs as a child process on its own data folder and ports, loaded
 * with image jobs, and is SIGKILLed (the whole process group) at random moments three times, restarting
 * each time. The job table is the truth: every accepted job must end COMPLETED exactly once, with its
 * outputs in S3 at the recorded sizes, and no request may create a second job.
 */
const KILLS = 3;
const JOBS_PER_ROUND = 4;
const BATCH_JOBS = 3;
const random = testRandom('crash-recovery');
let dataDir: string;
let child: ChildProcess | undefined;
let ports: { api: number; s3: number; dynamodb: number; sqs: number };
let apiKey = '';
let s3: S3Client;
const log: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the stack and resolves once it serves (its banner is printed after every service is up). */
async function start(): Promise<void> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/local.ts', '--data-dir', dataDir, '--no-stack-file'],
    {
      cwd: process.cwd(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        MP_API_PORT: String(ports.api),
        MP_S3_PORT: String(ports.s3),
        MP_DYNAMODB_PORT: String(ports.dynamodb),
        MP_SQS_PORT: String(ports.sqs),
        // The reconciler's rule fires every second here (the template says every minute).
        MP_SCHEDULE_INTERVAL_MS: '1000',
      },
    },
  );
  child = proc;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack did not start:\n${log.slice(-20).join('\n')}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log.push(line);
      if (chunk.toString().includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code} during start:\n${log.slice(-20).join('\n')}`));
    });
  });
  proc.removeAllListeners('exit');
  const saved = JSON.parse(await readFile(join(dataDir, 'api-key.json'), 'utf8')) as { apiKey: string };
  if (apiKey && saved.apiKey !== apiKey) throw new Error('the API key changed across a restart');
  apiKey = saved.apiKey;
}

/** SIGKILL to the whole process group: the stack and any process it started. */
async function kill(): Promise<void> {
  const proc = child;
  if (!proc?.pid) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  process.kill(-proc.pid, 'SIGKILL');
  await exited;
  child = undefined;
}

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${ports.api}${path}`, {
    method,
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A real client's submit: retried with the same Idempotency-Key until the stack answers. */
async function submit(key: string, idempotencyKey: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { status, body } = await api(
        'POST',
        '/jobs',
        { source: { key }, outputs: { preset: 'thumbnail' } },
        {
          'idempotency-key': idempotencyKey,
        },
      );
      if (status === 202 || status === 200) return (body.id ?? (body.job as { id: string }).id) as string;
      if (status < 500) throw new Error(`POST /jobs answered ${status}: ${JSON.stringify(body)}`);
    } catch (error) {
      if (attempt > 200 || (error as Error).message.startsWith('POST /jobs answered')) throw error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mp-crash-'));
  ports = { api: await freePort(), s3: await freePort(), dynamodb: await freePort(), sqs: await freePort() };
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${ports.s3}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await start();
}, 180_000);

afterAll(async () => {
  await kill().catch(() => undefined);
  s3?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('crash recovery of the durable local stack', () => {
  it(`finishes every accepted job exactly once across ${KILLS} SIGKILLs`, async () => {
    const source = await readFile(fixturePath('2569067123_aca715a2ee_o.jpg'));
    const bucket = (await api('GET', '/jobs?limit=1')).status === 200 ? await uploadsBucket() : '';
    const jobIds = new Map<string, string>();
    let batchId = '';
    for (let round = 0; round <= KILLS; round++) {
      // Distinct images (their own sizes), so no job is a duplicate of another.
      for (let i = 0; i < JOBS_PER_ROUND; i++) {
        const name = `r${round}-${i}`;
        const width = 600 + Math.floor(random() * 1400);
        const body = await sharp(source).resize(width).jpeg().toBuffer();
        const key = `t/demo/chaos/${name}.jpg`;
        await putWithRetry(bucket, key, body);
        jobIds.set(name, await submit(key, `chaos-${name}`));
      }
      if (round === 0) batchId = await submitBatch(bucket, source);
      if (round === KILLS) break;
      // Kill at a random moment while the round's jobs are being processed.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 2500)));
      await kill();
      await start();
    }

    // Every job ends; a stall (no job finishing for 90 s) fails the test rather than a fixed deadline.
    const pending = new Set(jobIds.values());
    const views = new Map<string, Record<string, unknown>>();
    let lastProgress = Date.now();
    while (pending.size) {
      for (const id of [...pending]) {
        const { status, body } = await api('GET', `/jobs/${id}`);
        expect(status).toBe(200);
        if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.status as string)) {
          views.set(id, body);
          pending.delete(id);
          lastProgress = Date.now();
        }
      }
      if (Date.now() - lastProgress > 90_000)
        throw new Error(`jobs not finishing: ${[...pending].join(', ')}\n${log.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    for (const [id, view] of views) {
      expect(view.status, `${id}: ${JSON.stringify(view.error)}`).toBe('COMPLETED');
      const outputs = view.outputs as { key: string; bytes: number }[];
      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) {
        const head = await s3.send(new HeadObjectCommand({ Bucket: await outputsBucket(), Key: output.key }));
        expect(head.ContentLength).toBe(output.bytes);
      }
    }
    // The batch, whose execution each kill lost, ends COMPLETED (the reconciler starts a new run) and its
    // report counts every job.
    let batch = (await api('GET', `/batches/${batchId}`)).body;
    for (let since = Date.now(); batch.status !== 'COMPLETED'; ) {
      if (Date.now() - since > 180_000)
        throw new Error(`batch not finishing: ${JSON.stringify(batch)}\n${log.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 1000));
      batch = (await api('GET', `/batches/${batchId}`)).body;
    }
    const batchJobs = batch.jobs as { id: string; status: string }[];
    expect(batchJobs.map((job) => job.status)).toEqual(Array(BATCH_JOBS).fill('COMPLETED'));
    let report = await api('GET', `/batches/${batchId}/report`);
    for (let tries = 0; report.status !== 200 && tries < 60; tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      report = await api('GET', `/batches/${batchId}/report`);
    }
    expect(report.status).toBe(200);
    expect(JSON.stringify(report.body)).toContain(`"total":${BATCH_JOBS}`);
    // Retried submits never made a second job: exactly one job per Idempotency-Key.
    const listed = await api('GET', '/jobs?limit=100');
    const standalone = (listed.body.jobs as { id: string }[]).filter(
      (job) => !batchJobs.some((b) => b.id === job.id),
    );
    expect(standalone.length).toBe(jobIds.size);
  }, 600_000);
});

/** A small batch (one job at a time, so it spans the kills), submitted once with an Idempotency-Key. */
async function submitBatch(bucket: string, source: Buffer): Promise<string> {
  const jobs = [];
  for (let i = 0; i < BATCH_JOBS; i++) {
    const key = `t/demo/chaos/batch-${i}.jpg`;
    await putWithRetry(
      bucket,
      key,
      await sharp(source)
        .resize(500 + 37 * i)
        .jpeg()
        .toBuffer(),
    );
    jobs.push({ ref: `b${i}`, source: { key }, outputs: { preset: 'thumbnail' } });
  }
  for (let attempt = 0; ; attempt++) {
    const response = await api(
      'POST',
      '/batches',
      { name: 'chaos', maxConcurrency: 1, jobs },
      { 'idempotency-key': 'chaos-batch' },
    ).catch(() => undefined);
    if (response && (response.status === 202 || response.status === 200 || response.status === 201))
      return (response.body.id ?? (response.body.batch as { id: string }).id) as string;
    if (response && response.status < 500) throw new Error(`POST /batches: ${JSON.stringify(response.body)}`);
    if (attempt > 200) throw new Error('POST /batches kept failing');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function putWithRetry(Bucket: string, Key: string, Body: Buffer) {
  for (let attempt = 0; ; attempt++) {
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'image/jpeg' }));
      return;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

let names: { uploads: string; outputs: string } | undefined;
async function stackNames() {
  if (!names) {
    // The banner lists the buckets the template names.
    const uploads = log
      .find((l) => l.includes('uploads      s3://'))
      ?.split('s3://')[1]
      ?.trim();
    const outputs = log
      .find((l) => l.includes('outputs      s3://'))
      ?.split('s3://')[1]
      ?.trim();
    if (!uploads || !outputs) throw new Error('bucket names not in the banner');
    names = { uploads, outputs };
  }
  return names;
}
const uploadsBucket = async () => (await stackNames()).uploads;
const outputsBucket = async () => (await stackNames()).outputs;
