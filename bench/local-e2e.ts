import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { startLocalPipeline } from '../local/pipeline.js';
import { DynamoDbJobStore } from '../src/adapters/aws/dynamodb-job-store.js';
import { ENV } from '../src/contract/env.js';
import type { Job } from '../src/core/job.js';
import { ms, percentile, sum } from './stats.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 200);
const TENANT = 'demo';

/** Small, distinct JPEGs (640x480 noise over a varying background), made in memory. */
async function makeImages(): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      sharp({
        create: {
          width: 640,
          height: 480,
          channels: 3,
          background: { r: i % 256, g: 90, b: 160 },
          noise: { type: 'gaussian', mean: 128, sigma: 30 },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
}

const lambdaContext = (): Context =>
  ({
    functionName: 'bench-direct',
    awsRequestId: randomUUID(),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-direct',
    memoryLimitInMB: '1536',
    getRemainingTimeInMillis: () => 120_000,
  }) as unknown as Context;

const sqsEvent = (body: unknown): SQSEvent =>
  ({
    Records: [{ messageId: randomUUID(), body: JSON.stringify(body), attributes: {} }],
  }) as unknown as SQSEvent;

/**
 * Orchestration overhead. The same 200 images, one at a time, in one run:
 *  direct: the image-worker Lambda handler invoked in this process with an SQS message for a job whose
 *          source is already in S3 (the worker's whole job: head, sniff, read, decode, 4 outputs
 *          written to S3, job state in DynamoDB);
 *  stack:  POST /uploads -> presigned POST -> S3 notification -> SQS poller -> the same handler ->
 *          the worker's COMPLETED write: everything the local stack adds around the worker.
 * Both paths are timed on the wall clock at millisecond resolution.
 */
export async function run() {
  const images = await makeImages();
  const pipeline = await startLocalPipeline({});
  // Quiet function logs (same for both paths); the template's level applies otherwise.
  process.env[ENV.powertoolsLogLevel] = 'ERROR';
  const { stack } = pipeline;
  const jobs = new DynamoDbJobStore({ tableName: stack.tableName('JobsTable') });
  const s3 = new S3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const uploadsBucket = stack.outputs.UploadsBucketName ?? '';
  const { handler } = await import('../lambdas/image-worker/handler.js');

  const direct: number[] = [];
  const stackLatency: number[] = [];
  const stackTotal: number[] = [];
  try {
    // Warm-up: one image through each path (module loading, first connections).
    await runDirect(images[0] as Buffer);
    await runStack(images[0] as Buffer);
    for (const image of images) {
      direct.push(await runDirect(image));
      const { total, afterUpload } = await runStack(image);
      stackTotal.push(total);
      stackLatency.push(afterUpload);
    }
  } finally {
    s3.destroy();
    await pipeline.stop();
  }

  async function runDirect(image: Buffer): Promise<number> {
    const jobId = ulid();
    // Not an upload key, so the S3 notification for this put is ignored by the worker.
    const key = `t/${TENANT}/bench/${jobId}.jpg`;
    await s3.send(
      new PutObjectCommand({ Bucket: uploadsBucket, Key: key, Body: image, ContentType: 'image/jpeg' }),
    );
    const now = new Date().toISOString();
    const job: Job = {
      tenant: TENANT,
      jobId,
      status: 'QUEUED',
      stage: 'created',
      progress: 0,
      attempt: 0,
      request: { outputs: { preset: 'web' }, priority: 'normal', metadataPolicy: 'strip' } as Job['request'],
      source: { bucket: uploadsBucket, key, size: image.length, contentType: 'image/jpeg' },
      createdAt: now,
      updatedAt: now,
    };
    await jobs.create(job);
    await stack.idle(10_000);
    const started = Date.now();
    const result = await handler(sqsEvent({ kind: 'job', tenant: TENANT, jobId }), lambdaContext());
    const elapsed = Date.now() - started;
    if ((result?.batchItemFailures ?? []).length) throw new Error(`direct invocation failed for ${jobId}`);
    if ((await jobs.get(TENANT, jobId))?.status !== 'COMPLETED')
      throw new Error(`direct job ${jobId} incomplete`);
    return elapsed;
  }

  async function runStack(image: Buffer): Promise<{ total: number; afterUpload: number }> {
    const started = Date.now();
    const response = await fetch(`${pipeline.apiUrl}/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': pipeline.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        fileName: 'bench.jpg',
        contentType: 'image/jpeg',
        size: image.length,
        outputs: { preset: 'web' },
      }),
    });
    const created = (await response.json()) as {
      job: { id: string };
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
    form.append('file', new Blob([image], { type: 'image/jpeg' }), 'bench.jpg');
    const posted = await fetch(created.upload.url, { method: 'POST', body: form });
    if (posted.status !== 204) throw new Error(`upload failed: ${posted.status} ${await posted.text()}`);
    const uploaded = Date.now();
    // Times come from the job's own completedAt (written by the worker), so this wait can poll
    // lazily: tight polling would load dynalite, which shares this process with the worker.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const job = await jobs.get(TENANT, created.job.id);
      if (job?.status === 'FAILED') throw new Error(`job failed: ${JSON.stringify(job.error)}`);
      if (job?.status !== 'COMPLETED') continue;
      const done = Date.parse(job.completedAt ?? '');
      return { total: done - started, afterUpload: done - uploaded };
    }
  }

  const directTotal = sum(direct);
  const totalStack = sum(stackTotal);
  const sortedLatency = [...stackLatency].sort((a, b) => a - b);
  const sortedDirect = [...direct].sort((a, b) => a - b);
  console.log(
    `local-e2e: ${COUNT} images (640x480 JPEG, preset web: 4 outputs), sequential, node ${process.version}`,
  );
  console.log(
    `  worker handler invoked directly:  total ${ms(directTotal)}, p50 ${ms(percentile(sortedDirect, 50))}`,
  );
  console.log(
    `  through the local stack:          total ${ms(totalStack)}, ${ms(totalStack / COUNT)} per image`,
  );
  console.log(`  ratio stack/direct:               ${(totalStack / directTotal).toFixed(3)}x`);
  console.log(
    `  orchestration overhead:           ${(((totalStack - directTotal) / directTotal) * 100).toFixed(1)}% of worker time (target < 15%)`,
  );
  console.log(
    `  upload-to-COMPLETED latency:      p50 ${ms(percentile(sortedLatency, 50))}, p95 ${ms(percentile(sortedLatency, 95))}`,
  );
}
