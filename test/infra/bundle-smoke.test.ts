import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { JobRequest } from '../../src/core/job.js';
import { readFixture } from '../support/fixtures.js';
import {
  type BuiltFunction,
  buildDeploymentBundles,
  hostSharpLayer,
  INIT_TIMEOUT_MS,
  measureInit,
  removeHostSharpLayer,
  taskRoot,
} from '../support/lambda-bundles.js';

const FUNCTION_ENTRIES = [
  'lambdas/api/handler.ts',
  'lambdas/batch-callback/handler.ts',
  'lambdas/batch-tasks/handler.ts',
  'lambdas/dead-letter/handler.ts',
  'lambdas/image-worker/handler.ts',
  'lambdas/outbox-sweeper/handler.ts',
  'lambdas/reconciler/handler.ts',
  'lambdas/video-tasks/handler.ts',
  'lambdas/webhook-dispatcher/handler.ts',
  'lambdas/webhook-fanout/handler.ts',
];
const FUNCTION_COUNT = FUNCTION_ENTRIES.length;

// Builds what `cdk deploy` uploads (esbuild bundles, the sharp layer), so it takes a while.
const BUILD_TIMEOUT_MS = 240_000;

let built: { outdir: string; functions: BuiltFunction[] };
let pipeline: LocalPipeline;

beforeAll(async () => {
  built = buildDeploymentBundles('dev');
  pipeline = await startLocalPipeline();
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await pipeline?.stop();
  removeHostSharpLayer();
  if (built) rmSync(built.outdir, { recursive: true, force: true });
});

const worker = () => {
  const fn = built.functions.find((f) => f.entry === 'lambdas/image-worker/handler.ts');
  if (!fn) throw new Error('no image-worker function in the assembly');
  return fn;
};

describe('deployment bundles', () => {
  it('bundles every pipeline function, with sharp left to the layer', () => {
    expect(built.functions.map((f) => f.entry).sort()).toEqual(FUNCTION_ENTRIES);
    expect(worker().usesSharpLayer).toBe(true);
  });

  // The work is bounded: one init per function, each bounded by INIT_TIMEOUT_MS (11 run one after another
  // took 19 s alone and over 30 s with two suites at once on 2 cores).
  it('initialises every function bundle in a fresh process with only its own layers', {
    timeout: (FUNCTION_COUNT + 1) * INIT_TIMEOUT_MS,
  }, async () => {
    expect(built.functions).toHaveLength(FUNCTION_COUNT);
    for (const fn of built.functions) {
      const root = taskRoot(fn, fn.usesSharpLayer ? hostSharpLayer() : undefined);
      try {
        expect(await measureInit(fn, root)).toBeGreaterThan(0);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });

  it('loads the image worker bundle in a fresh Node process with the layer and processes a fixture', async () => {
    const { stack } = pipeline;
    const jobs = new DynamoDbJobStore({ tableName: stack.tableName('JobsTable') });
    const uploadsBucket = stack.outputs.UploadsBucketName ?? '';
    const jobId = ulid();
    // Not an upload key: the in-process worker of the local stack ignores its S3 event.
    const key = `t/demo/smoke/${jobId}.jpg`;
    const s3 = new S3Client({
      endpoint: stack.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const photo = readFixture('Landscape_6.jpg');
    await s3.send(
      new PutObjectCommand({ Bucket: uploadsBucket, Key: key, Body: photo, ContentType: 'image/jpeg' }),
    );
    s3.destroy();
    const now = new Date().toISOString();
    await jobs.create({
      tenant: 'demo',
      jobId,
      status: 'QUEUED',
      stage: 'created',
      progress: 0,
      attempt: 0,
      request: JobRequest.parse({ outputs: { preset: 'thumbnail' } }),
      source: { bucket: uploadsBucket, key, size: photo.length, contentType: 'image/jpeg' },
      createdAt: now,
      updatedAt: now,
    });
    await stack.idle();

    const root = taskRoot(worker(), hostSharpLayer());
    const invoke = `
      const { handler } = await import('./index.mjs');
      const event = { Records: [{ messageId: 'smoke-1', body: JSON.stringify({ kind: 'job', tenant: 'demo', jobId: '${jobId}' }) }] };
      const context = { functionName: 'smoke', awsRequestId: 'smoke', invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:smoke', memoryLimitInMB: '1536', getRemainingTimeInMillis: () => 60000 };
      const result = await handler(event, context);
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    // The child gets the local stack's endpoints and the functions' resolved environment, nothing else.
    // Asynchronous: the emulators it talks to run in this process.
    const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', invoke], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: 'ERROR' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(root, { recursive: true, force: true });
    expect(child.stdout).toContain('RESULT {"batchItemFailures":[]}');

    const job = await jobs.get('demo', jobId);
    expect(job?.status).toBe('COMPLETED');
    expect(job?.outputs?.map((o) => [o.name, o.width, o.height])).toEqual([
      ['thumb', 320, 320],
      ['thumb-webp', 320, 320],
    ]);
  });
});
