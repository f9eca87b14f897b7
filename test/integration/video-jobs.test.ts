/**
 * The video job's Fargate use case (runTranscodeJob) and the state machine's last steps (finalizeTranscode,
 * failTranscode) over the real adapters: dynalite for job state, s3rver for sources, outputs and the
 * result document, ffmpeg for the clips and the transcode. Nothing is mocked.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { type Job, JobRequest } from '../../src/core/job.js';
import { jobOutputsPrefix, transcodeResultKey, videoOutputKey } from '../../src/core/keys.js';
import type { VideoOrchestrator } from '../../src/core/ports.js';
import { type ProcessDeps, processJob } from '../../src/jobs/process-job.js';
import {
  runTranscodeJob,
  type TranscodeJobDeps,
  type TranscodeResultDocument,
} from '../../src/jobs/video/transcode-job.js';
import {
  failTranscode,
  finalizeTranscode,
  type VideoFinalizeDeps,
} from '../../src/jobs/video/video-finalize.js';
import { DEFAULT_VIDEO_LIMITS } from '../../src/media/video/index.js';
import { ffprobePath, runTool } from '../../src/media/video/tools.js';
import { createJobsTable } from '../support/jobs-table.js';
import { renderClip } from '../support/video-clips.js';

const TABLE = 'video-jobs-test';
const UPLOADS = 'uploads-video-jobs-test';
const OUTPUTS = 'outputs-video-jobs-test';
const TENANT = 'acme';
const nextId = monotonicFactory();

let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
let jobs: DynamoDbJobStore;
let objects: S3ObjectStore;
let dir: string;
let shortClip: Buffer;
let longClip: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'video-jobs-'));
  const [started] = await Promise.all([
    startEmulators(),
    renderClip(join(dir, 'short.mp4'), { width: 320, height: 180, seconds: 2 }),
    renderClip(join(dir, 'long.mp4'), { width: 1280, height: 720, seconds: 8 }),
  ]);
  emulators = started;
  shortClip = await readFile(join(dir, 'short.mp4'));
  longClip = await readFile(join(dir, 'long.mp4'));
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  s3 = new S3Client({ endpoint: emulators.s3.endpoint, forcePathStyle: true, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: UPLOADS }));
  await s3.send(new CreateBucketCommand({ Bucket: OUTPUTS }));
  jobs = new DynamoDbJobStore({ tableName: TABLE, client: dynamo });
  objects = new S3ObjectStore({ client: s3 });
}, 60_000);

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await emulators?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A QUEUED job whose source is `bytes` under the tenant's prefix, claimed: PROCESSING at attempt 1. */
async function processingJob(
  bytes: Buffer,
  options: { request?: unknown; fileName?: string; leaseMs?: number } = {},
): Promise<Job> {
  const jobId = nextId();
  const key = `t/${TENANT}/videos/${jobId}/${options.fileName ?? 'clip.mp4'}`;
  await objects.write(UPLOADS, key, bytes, 'video/mp4');
  const createdAt = new Date().toISOString();
  const job: Job = {
    tenant: TENANT,
    jobId,
    status: 'QUEUED',
    stage: 'created',
    progress: 0,
    attempt: 0,
    request: JobRequest.parse(options.request ?? { video: { preset: 'mobile' } }),
    source: { bucket: UPLOADS, key, size: bytes.length, contentType: 'video/mp4' },
    createdAt,
    updatedAt: createdAt,
  };
  expect(await jobs.create(job)).toBe(true);
  const claimed = await jobs.claim(TENANT, jobId, options.leaseMs ?? 3_600_000);
  expect(claimed).toMatchObject({ status: 'PROCESSING', attempt: 1 });
  return claimed as Job;
}

async function transcodeDeps(overrides: Partial<TranscodeJobDeps> = {}): Promise<TranscodeJobDeps> {
  return {
    jobs,
    objects,
    outputsBucket: OUTPUTS,
    limits: DEFAULT_VIDEO_LIMITS,
    maxSourceBytes: 64 * 1024 * 1024,
    workRoot: await mkdtemp(join(dir, 'scratch-')),
    progressIntervalMs: 0,
    ...overrides,
  };
}

const finalizeDeps = (): VideoFinalizeDeps => ({ jobs, objects, outputsBucket: OUTPUTS });

const run = async (job: Job, overrides: Partial<TranscodeJobDeps> = {}) => {
  const deps = await transcodeDeps(overrides);
  const result = await runTranscodeJob(deps, { tenant: TENANT, jobId: job.jobId, attempt: job.attempt });
  return { deps, result };
};

/** What containers/transcoder/main.ts leaves for the finalize step. */
const writeResult = (jobId: string, attempt: number, document: TranscodeResultDocument) =>
  objects.write(
    OUTPUTS,
    transcodeResultKey(TENANT, jobId, attempt),
    Buffer.from(JSON.stringify(document)),
    'application/json',
  );

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

const outputKeys = (jobId: string) => keysUnder(OUTPUTS, jobOutputsPrefix(TENANT, jobId));

/** Files a task might have uploaded before it failed or was stopped. */
async function strayOutputs(jobId: string): Promise<string[]> {
  const keys = ['video/video.mp4', 'poster/poster.jpg'].map((path) => videoOutputKey(TENANT, jobId, path));
  for (const key of keys) await objects.write(OUTPUTS, key, Buffer.from('partial'), 'video/mp4');
  expect(await outputKeys(jobId)).toEqual([...keys].sort());
  return keys;
}

/** Deterministic non-media bytes (a SHA-256 chain): the same garbage on every run. */
function garbage(size: number): Buffer {
  const blocks: Buffer[] = [];
  let block = createHash('sha256').update('video-jobs garbage').digest();
  for (let total = 0; total < size; total += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, size);
}

describe('runTranscodeJob', () => {
  it('transcodes a clip: COMPLETED with an mp4 and a poster uploaded, progress and ETA recorded, scratch empty', async () => {
    const job = await processingJob(shortClip);
    const { deps, result } = await run(job);
    expect(result.status).toBe('COMPLETED');
    if (result.status !== 'COMPLETED') return;
    expect(result.attempt).toBe(1);
    const kinds = result.outputs.map((o) => o.kind).sort();
    expect(kinds).toEqual(['mp4', 'poster']);
    const prefix = jobOutputsPrefix(TENANT, job.jobId);
    for (const output of result.outputs) expect(output.key.startsWith(prefix)).toBe(true);
    const mp4 = result.outputs.find((o) => o.kind === 'mp4');
    expect(mp4).toMatchObject({ format: 'mp4', codec: expect.any(String), width: 320, height: 180 });
    expect(mp4?.bytes).toBeGreaterThan(0);
    expect(result.sourceMetadata.durationSeconds).toBeCloseTo(2, 0);
    expect(result.sourceMetadata).toMatchObject({ width: 320, height: 180, declaredType: 'video/mp4' });

    const stored = await outputKeys(job.jobId);
    for (const output of result.outputs) expect(stored).toContain(output.key);
    for (const output of result.outputs) {
      expect((await objects.head(OUTPUTS, output.key))?.size).toBe(output.bytes);
    }

    const after = (await jobs.get(TENANT, job.jobId)) as Job & { etaSeconds?: unknown };
    expect(after.status).toBe('PROCESSING');
    expect(after.progress).toBeGreaterThan(5);
    expect(typeof after.etaSeconds).toBe('number');
    expect(await readdir(deps.workRoot)).toEqual([]);
  });

  it('refuses a job that is not PROCESSING at that attempt: SUPERSEDED, nothing written', async () => {
    const job = await processingJob(shortClip);
    await jobs.transition(TENANT, job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });
    const { deps, result } = await run(job);
    expect(result).toMatchObject({ status: 'SUPERSEDED', attempt: 1 });
    expect((result as { reason: string }).reason).toMatch(/CANCELLED/);
    expect(await outputKeys(job.jobId)).toEqual([]);
    expect(await readdir(deps.workRoot)).toEqual([]);

    // Another attempt than the one that owns the job: also SUPERSEDED.
    const other = await processingJob(shortClip);
    const stale = await runTranscodeJob(await transcodeDeps(), {
      tenant: TENANT,
      jobId: other.jobId,
      attempt: 2,
    });
    expect(stale.status).toBe('SUPERSEDED');
    expect(await outputKeys(other.jobId)).toEqual([]);
  });

  it('stops on abort: rejects, removes its scratch folder and uploads nothing', async () => {
    const job = await processingJob(longClip);
    const controller = new AbortController();
    const deps = await transcodeDeps({ signal: controller.signal, progressIntervalMs: 50 });
    const running = runTranscodeJob(deps, { tenant: TENANT, jobId: job.jobId, attempt: job.attempt });
    const outcome = running.then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    const deadline = Date.now() + 20_000;
    let progress = 0;
    while (!settled && Date.now() < deadline) {
      progress = (await jobs.get(TENANT, job.jobId))?.progress ?? 0;
      if (progress > 5) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(settled).toBe(false);
    expect(progress).toBeGreaterThan(5);
    controller.abort(new Error('the task was stopped'));
    const ended = await outcome;
    // The abort's reason comes back (the container maps it to exit 143), not a FAILED document.
    expect(ended).not.toHaveProperty('result');
    expect(String((ended as { error: unknown }).error)).toMatch(/the task was stopped|abort/i);
    expect(await readdir(deps.workRoot)).toEqual([]);
    expect(await outputKeys(job.jobId)).toEqual([]);
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored).toMatchObject({ status: 'PROCESSING', attempt: 1 });
    expect(stored?.progress).toBeLessThan(90);
  });
});

describe('uploads during the encode', () => {
  const hlsRequest = { video: { outputs: [{ kind: 'hls', segmentSeconds: 1, ladder: [720, 360] }] } };

  it('sends finished segments while ffmpeg runs; the stored ladder plays end to end', async () => {
    const job = await processingJob(longClip, { request: hlsRequest });
    const logged: Record<string, unknown>[] = [];
    const { result } = await run(job, {
      segmentPollMs: 25,
      log: (message, data) => logged.push({ message, ...data }),
    });
    expect(result.status).toBe('COMPLETED');
    const counts = logged.find((entry) => entry.message === 'outputs uploaded');
    // 8 s in 1 s segments over two rungs and audio: every segment goes up before the final pass (during
    // the encode, the last ones as ffmpeg exits), none changed after it was sent; the final pass sends
    // init segments and playlists.
    const segmentKeys = (await outputKeys(job.jobId)).filter((k) => /\d{5}\.m4s$/.test(k));
    expect(segmentKeys.length).toBeGreaterThanOrEqual(24);
    expect(counts).toMatchObject({ early: segmentKeys.length, resent: 0 });

    const local = await mkdtemp(join(dir, 'stored-'));
    const prefix = jobOutputsPrefix(TENANT, job.jobId);
    for (const key of await outputKeys(job.jobId)) {
      const path = join(local, key.slice(prefix.length));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await objects.read(OUTPUTS, key));
    }
    // Every frame of every rung decodes from the stored segments: none was sent half-written.
    for (const rung of ['720p', '360p']) {
      const frames = await runTool(
        ffprobePath(),
        [
          ...['-v', 'error', '-protocol_whitelist', 'file', '-count_frames', '-select_streams', 'v:0'],
          ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0'],
          join(local, 'hls', rung, 'index.m3u8'),
        ],
        { collectStdout: 10_000 },
      );
      expect(frames.stderr, rung).toBe('');
      // csv prints the count under the program and again under the stream.
      const counts = frames.stdout.split('\n').filter((line) => line.trim() !== '');
      expect(counts.map(Number), `${rung}: ${frames.stdout}`).toContain(8 * 25);
    }
  }, 120_000);

  it('a run stopped after segments went up leaves none of them behind', async () => {
    const job = await processingJob(longClip, { request: hlsRequest });
    const controller = new AbortController();
    const deps = await transcodeDeps({ signal: controller.signal, segmentPollMs: 25 });
    const running = runTranscodeJob(deps, { tenant: TENANT, jobId: job.jobId, attempt: job.attempt }).then(
      () => 'resolved',
      () => 'rejected',
    );
    const deadline = Date.now() + 60_000;
    while ((await outputKeys(job.jobId)).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await outputKeys(job.jobId)).length).toBeGreaterThan(0);
    controller.abort(new Error('the task was stopped'));
    expect(await running).toBe('rejected');
    expect(await outputKeys(job.jobId)).toEqual([]);
    expect(await readdir(deps.workRoot)).toEqual([]);
  }, 120_000);
});

describe('input errors come back as FAILED documents', () => {
  it('garbage bytes and an empty file', async () => {
    const junk = await processingJob(garbage(1024));
    const { deps, result } = await run(junk);
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(['NOT_MEDIA', 'CORRUPT_MEDIA', 'UNSUPPORTED_MEDIA_TYPE']).toContain(result.error.code);
    expect(await readdir(deps.workRoot)).toEqual([]);
    expect(await outputKeys(junk.jobId)).toEqual([]);

    const empty = await processingJob(Buffer.alloc(0));
    const emptyRun = await run(empty);
    expect(emptyRun.result).toMatchObject({ status: 'FAILED', error: { code: 'EMPTY_OBJECT' } });
  });

  it('a text HLS playlist pointing at metadata and local files: PLAYLIST_NOT_ALLOWED', async () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:10',
      '#EXTINF:10,',
      'http://169.254.169.254/latest/meta-data/',
      '#EXTINF:10,',
      'file:///etc/passwd',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    const job = await processingJob(Buffer.from(playlist), { fileName: 'clip.mp4' });
    const { deps, result } = await run(job);
    expect(result).toMatchObject({ status: 'FAILED', attempt: 1, error: { code: 'PLAYLIST_NOT_ALLOWED' } });
    expect(await readdir(deps.workRoot)).toEqual([]);
    expect(await outputKeys(job.jobId)).toEqual([]);
  });

  it('a clip over a limit: MEDIA_LIMIT_EXCEEDED', async () => {
    const job = await processingJob(shortClip);
    const { deps, result } = await run(job, {
      limits: { ...DEFAULT_VIDEO_LIMITS, maxDurationSeconds: 1 },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'MEDIA_LIMIT_EXCEEDED' } });
    expect(await readdir(deps.workRoot)).toEqual([]);
    expect(await outputKeys(job.jobId)).toEqual([]);
  });
});

describe('finalizeTranscode', () => {
  it('records a COMPLETED result: outputs, progress 100, source metadata', async () => {
    const job = await processingJob(shortClip);
    const { result } = await run(job);
    expect(result.status).toBe('COMPLETED');
    await writeResult(job.jobId, job.attempt, result);

    const finalized = await finalizeTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
    });
    expect(finalized).toEqual({ jobId: job.jobId, status: 'COMPLETED' });
    const stored = (await jobs.get(TENANT, job.jobId)) as Job & { etaSeconds?: unknown };
    expect(stored).toMatchObject({ status: 'COMPLETED', progress: 100, stage: 'done' });
    expect(stored.etaSeconds).toBeUndefined();
    expect(stored.completedAt).toEqual(expect.any(String));
    expect(stored.outputs?.map((o) => o.kind).sort()).toEqual(['mp4', 'poster']);
    for (const output of stored.outputs ?? []) {
      expect(output.key.startsWith(jobOutputsPrefix(TENANT, job.jobId))).toBe(true);
      expect(await objects.head(OUTPUTS, output.key)).toBeDefined();
    }
    expect(stored.outputs?.find((o) => o.kind === 'mp4')?.codec).toEqual(expect.any(String));
    expect(stored.sourceMetadata?.durationSeconds).toBeCloseTo(2, 0);
  });

  it('records a FAILED result: the job FAILED with its code, the outputs prefix emptied', async () => {
    const job = await processingJob(Buffer.from('#EXTM3U\nfile:///etc/passwd\n'));
    const { result } = await run(job);
    expect(result).toMatchObject({ status: 'FAILED', error: { code: 'PLAYLIST_NOT_ALLOWED' } });
    await writeResult(job.jobId, job.attempt, result);
    await strayOutputs(job.jobId);

    const finalized = await finalizeTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
    });
    expect(finalized).toEqual({ jobId: job.jobId, status: 'FAILED', cleanedUp: 2 });
    expect(await jobs.get(TENANT, job.jobId)).toMatchObject({
      status: 'FAILED',
      stage: 'failed',
      error: { code: 'PLAYLIST_NOT_ALLOWED', retryable: false },
    });
    expect(await outputKeys(job.jobId)).toEqual([]);
  });

  it('with no result document: FAILED TRANSCODE_FAILED (exited without writing a result)', async () => {
    const job = await processingJob(shortClip);
    await strayOutputs(job.jobId);
    const finalized = await finalizeTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
    });
    expect(finalized).toMatchObject({ jobId: job.jobId, status: 'FAILED' });
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored?.error?.code).toBe('TRANSCODE_FAILED');
    expect(stored?.error?.message).toMatch(/exited without writing a result/);
    expect(await outputKeys(job.jobId)).toEqual([]);
  });

  it('rejects a late result: cancelled while the task ran → CANCELLED stays, outputs deleted', async () => {
    const job = await processingJob(shortClip);
    const { result } = await run(job);
    expect(result.status).toBe('COMPLETED');
    await writeResult(job.jobId, job.attempt, result);
    expect((await outputKeys(job.jobId)).length).toBeGreaterThan(0);
    await jobs.transition(TENANT, job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });

    const finalized = await finalizeTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
    });
    expect(finalized).toMatchObject({ jobId: job.jobId, status: 'CANCELLED' });
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored?.status).toBe('CANCELLED');
    expect(stored?.outputs).toBeUndefined();
    expect(await outputKeys(job.jobId)).toEqual([]);
  });

  it('an attempt that moved on: the old attempt’s finalize is SUPERSEDED and deletes nothing', async () => {
    const job = await processingJob(shortClip, { leaseMs: 1 });
    // The first attempt's lease ran out: a newer attempt takes the job over.
    const retried = await jobs.claim(TENANT, job.jobId, 3_600_000, Date.now() + 60_000);
    expect(retried).toMatchObject({ status: 'PROCESSING', attempt: 2 });
    const keys = await strayOutputs(job.jobId);
    const outputs = keys.map((key, i) => ({
      name: i ? 'poster' : 'video',
      key,
      format: i ? 'jpg' : 'mp4',
      kind: i ? 'poster' : 'mp4',
      bytes: 7,
    }));
    await writeResult(job.jobId, 1, {
      status: 'COMPLETED',
      attempt: 1,
      outputs,
      sourceMetadata: { format: 'mp4', width: 320, height: 180, bytes: 1, durationSeconds: 2 },
    });
    const old = { tenant: TENANT, jobId: job.jobId, attempt: 1 };
    expect(await finalizeTranscode(finalizeDeps(), old)).toEqual({ jobId: job.jobId, status: 'SUPERSEDED' });
    // The Catch step of the old attempt leaves the newer attempt alone too.
    expect(await failTranscode(finalizeDeps(), { ...old, error: 'States.TaskFailed', cause: '' })).toEqual({
      jobId: job.jobId,
      status: 'SUPERSEDED',
    });
    expect(await jobs.get(TENANT, job.jobId)).toMatchObject({ status: 'PROCESSING', attempt: 2 });
    expect(await outputKeys(job.jobId)).toEqual([...keys].sort());
  });
});

describe('failTranscode', () => {
  it('States.Timeout → FAILED TRANSCODE_TIMEOUT, uploaded files deleted', async () => {
    const job = await processingJob(shortClip);
    await strayOutputs(job.jobId);
    const result = await failTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
      error: 'States.Timeout',
      cause: '',
    });
    expect(result).toEqual({ jobId: job.jobId, status: 'FAILED', cleanedUp: 2 });
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored).toMatchObject({
      status: 'FAILED',
      error: { code: 'TRANSCODE_TIMEOUT', retryable: false },
    });
    expect(stored?.error?.message).toMatch(/time limit/);
    expect(await outputKeys(job.jobId)).toEqual([]);
  });

  it('States.TaskFailed with an ECS cause → FAILED TRANSCODE_FAILED naming the exit code', async () => {
    const job = await processingJob(shortClip);
    await strayOutputs(job.jobId);
    const cause = JSON.stringify({
      StoppedReason: 'Essential container in task exited',
      Containers: [{ ExitCode: 137 }],
    });
    const result = await failTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
      error: 'States.TaskFailed',
      cause,
    });
    expect(result).toEqual({ jobId: job.jobId, status: 'FAILED', cleanedUp: 2 });
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored?.status).toBe('FAILED');
    expect(stored?.error?.code).toBe('TRANSCODE_FAILED');
    expect(stored?.error?.message).toMatch(/exit code 137/);
    expect(stored?.error?.message).toMatch(/Essential container in task exited/);
    expect(await outputKeys(job.jobId)).toEqual([]);
  });
});

describe('worker hand-over to the video orchestrator (processJob)', () => {
  /** Records starts; the orchestrator is the port the worker calls (Step Functions in AWS). */
  function recordingOrchestrator() {
    const started: { tenant: string; jobId: string; attempt: number }[] = [];
    const orchestrator: VideoOrchestrator = {
      executionArnFor: (jobId, attempt) => `arn:aws:states:us-east-1:0:execution:video:${jobId}-a${attempt}`,
      start: async (job) => {
        started.push({ tenant: job.tenant, jobId: job.jobId, attempt: job.attempt });
        return orchestrator.executionArnFor(job.jobId, job.attempt);
      },
      stop: async () => undefined,
      status: async () => ({ state: 'running' }),
    };
    return { orchestrator, started };
  }

  const processDeps = (orchestrator: VideoOrchestrator): ProcessDeps => ({
    jobs,
    objects,
    outputsBucket: OUTPUTS,
    maxUploadBytes: 1024,
    leaseMs: 60_000,
    video: { orchestrator, leaseMs: 3_600_000, maxBytes: 64 * 1024 * 1024 },
  });

  async function queuedVideoJob(): Promise<Job> {
    const job = await processingJob(shortClip);
    // Back to a fresh QUEUED job at attempt 0, as the API creates it (processingJob claims it).
    const jobId = nextId();
    const queued: Job = { ...job, jobId, status: 'QUEUED', attempt: 0, leaseUntil: undefined };
    expect(await jobs.create(queued)).toBe(true);
    return queued;
  }

  it('records the execution and a claim as long as the execution may run, then starts it', async () => {
    const job = await queuedVideoJob();
    const { orchestrator, started } = recordingOrchestrator();
    const before = Date.now();
    const outcome = await processJob(processDeps(orchestrator), TENANT, job.jobId);
    expect(outcome.result).toBe('transcoding');
    expect(started).toEqual([{ tenant: TENANT, jobId: job.jobId, attempt: 1 }]);
    const stored = await jobs.get(TENANT, job.jobId);
    expect(stored).toMatchObject({
      status: 'PROCESSING',
      stage: 'transcode-queued',
      executionArn: orchestrator.executionArnFor(job.jobId, 1),
    });
    // Larger than the image limit (1 KiB here): video sources are held to the video limit.
    expect(shortClip.length).toBeGreaterThan(1024);
    expect(stored?.leaseUntil).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it('starts the execution again when the message comes back after the hand-over but before the start', async () => {
    const job = await queuedVideoJob();
    const failing = recordingOrchestrator();
    // The worker recorded the hand-over, then died before StartExecution took effect (a crash, or the
    // start failing together with the release of the claim).
    failing.orchestrator.start = async () => {
      throw new Error('worker died');
    };
    const deps = processDeps(failing.orchestrator);
    await expect(processJob(deps, TENANT, job.jobId)).rejects.toThrow('worker died');
    await jobs.transition(TENANT, job.jobId, 'PROCESSING', {
      attempt: 1,
      set: { stage: 'transcode-queued', leaseUntil: Date.now() + 3_600_000 },
      event: null,
    });

    const { orchestrator, started } = recordingOrchestrator();
    const outcome = await processJob(processDeps(orchestrator), TENANT, job.jobId);
    expect(outcome.result).toBe('transcoding');
    expect(started).toEqual([{ tenant: TENANT, jobId: job.jobId, attempt: 1 }]);
    // Once the task reports (stage moves on), a duplicate message is only a duplicate.
    await jobs.reportProgress(TENANT, job.jobId, 1, 'downloading', 1);
    const again = recordingOrchestrator();
    expect((await processJob(processDeps(again.orchestrator), TENANT, job.jobId)).result).toBe(
      'duplicate-in-flight',
    );
    expect(again.started).toEqual([]);
  });

  it('never lets a stale attempt end a job that was cancelled and queued again (same attempt)', async () => {
    const job = await processingJob(shortClip);
    await jobs.transition(TENANT, job.jobId, 'CANCELLED', { set: { stage: 'cancelled' } });
    await jobs.transition(TENANT, job.jobId, 'QUEUED', { from: ['CANCELLED'], set: { stage: 'queued' } });
    const result = await failTranscode(finalizeDeps(), {
      tenant: TENANT,
      jobId: job.jobId,
      attempt: job.attempt,
      error: 'States.TaskFailed',
      cause: '',
    });
    expect(result.status).not.toBe('FAILED');
    expect((await jobs.get(TENANT, job.jobId))?.status).toBe('QUEUED');
  });
});
