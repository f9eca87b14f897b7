import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { startLocalPipeline } from '../local/pipeline.js';
import { ENV } from '../src/contract/env.js';
import { ROUTES } from '../src/contract/routes.js';
import { percentile, sum } from './stats.js';

const JOBS = Number(process.env.BENCH_BATCH_JOBS ?? 1000);
const CONCURRENCY = (process.env.BENCH_BATCH_CONCURRENCY ?? '1,2,4').split(',').map(Number);
const source = (n: number) => `t/demo/bench/batch-${n}.jpg`;

interface Report {
  batch: { wallSeconds: number };
  counts: Record<string, number>;
  jobs: { status: string; waitSeconds?: number; queueSeconds?: number; processingSeconds?: number }[];
}

/**
 * Batch throughput on the local stack: a batch of JOBS jobs (a 64x48 JPEG to a thumbnail each, so the
 * batch machinery dominates) at each maxConcurrency, one after another in one run. Per job, the slot's
 * time is split into the worker's processing (claim to end, from the report) and the rest: scheduling
 * overhead = slot-seconds per job − processing seconds per job (next-job task, queueing, the terminal
 * event through the bus to the callback, the task token back to the execution).
 */
export async function run() {
  process.env[ENV.powertoolsLogLevel] = 'ERROR';
  const pipeline = await startLocalPipeline({});
  const s3 = new S3Client({
    endpoint: pipeline.stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  // A different image per job: the same bytes 1,000 times would measure the exact-duplicate lookup too.
  for (let i = 0; i < JOBS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, JOBS - i) }, async (_, k) => {
        const n = i + k;
        const background = { r: n % 256, g: Math.floor(n / 256) % 256, b: 128 };
        const image = await sharp({ create: { width: 64, height: 48, channels: 3, background } })
          .jpeg()
          .toBuffer();
        await s3.send(
          new PutObjectCommand({
            Bucket: pipeline.stack.outputs.UploadsBucketName,
            Key: source(n),
            Body: image,
          }),
        );
      }),
    );
  }
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${pipeline.apiUrl}${path}`, {
      method,
      headers: { 'x-api-key': pipeline.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const rows: string[] = [];
  try {
    for (const maxConcurrency of CONCURRENCY) {
      const jobs = Array.from({ length: JOBS }, (_, i) => ({
        ref: `j${i}`,
        source: { key: source(i) },
        outputs: { preset: 'thumbnail' },
      }));
      const submitStart = performance.now();
      const batch = await api('POST', '/batches', {
        name: `bench c=${maxConcurrency}`,
        maxConcurrency,
        jobs,
      });
      const submitMs = performance.now() - submitStart;
      for (;;) {
        const state = await api('GET', `/batches/${batch.id}?limit=1`);
        if (state.endedAt) break;
        // Polling reads the batch's jobs, in the same process as the stack: not too often.
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
      const report = (await api('GET', `/batches/${batch.id}/report`)) as unknown as Report;
      const wall = report.batch.wallSeconds;
      const processing = report.jobs.map((j) => j.processingSeconds ?? 0).sort((a, b) => a - b);
      const meanProcessing = sum(processing) / processing.length;
      const slotSecondsPerJob = (wall * maxConcurrency) / JOBS;
      rows.push(
        [
          `maxConcurrency ${maxConcurrency}`,
          `${JOBS} jobs in ${wall.toFixed(1)} s`,
          `${(JOBS / wall).toFixed(2)} jobs/s`,
          `processing mean ${(meanProcessing * 1000).toFixed(0)} ms (p95 ${(percentile(processing, 95) * 1000).toFixed(0)} ms)`,
          `scheduling overhead ${((slotSecondsPerJob - meanProcessing) * 1000).toFixed(0)} ms/job`,
          `${ROUTES.createBatch} ${submitMs.toFixed(0)} ms`,
          `counts ${JSON.stringify(report.counts)}`,
        ].join(' | '),
      );
      console.log(rows.at(-1));
    }
  } finally {
    s3.destroy();
    await pipeline.stop();
  }
  console.log(`\nbatch bench (${JOBS} jobs per batch, one run, this machine):\n${rows.join('\n')}`);
}
