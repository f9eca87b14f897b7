import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { EcsRunner, TaskEnded } from '../../local/sfn-ecs.js';
import { runFfprobe } from '../../src/media/video/probe.js';
import { type JobBody, localS3, pipelineClient } from '../support/pipeline-client.js';
import { CASE_CLIPS, renderClip } from '../support/video-clips.js';

/**
 * Video jobs through the whole local stack: presigned upload → S3 event → worker (routes it) → the video
 * state machine (aws-local-stepfunctions) → `ecs:runTask.sync` (the transcoder entry as a child process) →
 * finalize. The same template `cdk deploy` would deploy.
 */
let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;
let s3: S3Client;
let sfn: SFNClient;
let dir: string;

const CLIPS = {
  landscape: { width: 1920, height: 1080, seconds: 3 },
  long: { width: 1280, height: 720, seconds: 10 },
  short: { width: 320, height: 180, seconds: 1 },
} as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'video-e2e-'));
  await Promise.all([
    ...Object.entries(CLIPS).map(([name, options]) => renderClip(join(dir, `${name}.mp4`), options)),
    renderClip(join(dir, 'portrait.mp4'), CASE_CLIPS['portrait.mp4']),
    renderClip(join(dir, 'tone.m4a'), CASE_CLIPS['tone.m4a']),
  ]);
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
  s3 = localS3(pipeline);
  sfn = new SFNClient({
    endpoint: pipeline.stack.sfnEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 120_000);

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  client?.close();
  s3?.destroy();
  sfn?.destroy();
  await pipeline?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];

async function uploadClip(file: string, video: unknown, contentType = 'video/mp4') {
  const data = await readFile(join(dir, file));
  return client.upload(data, file, contentType, { video });
}

/** Polls the job until `done` says so; returns every distinct (status, stage, progress) seen. */
async function follow(jobId: string, done: (job: JobBody) => boolean = (j) => TERMINAL.includes(j.status)) {
  const seen: JobBody[] = [];
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const job = await client.job(jobId);
    const last = seen.at(-1);
    if (!last || last.status !== job.status || last.progress !== job.progress || last.stage !== job.stage)
      seen.push(job);
    if (done(job)) return { job, seen };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} did not get there: ${JSON.stringify(seen.at(-1))}`);
}

async function executionsOf(jobId: string) {
  const listed = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: pipeline.stack.stateMachineArn('VideoStateMachine') }),
  );
  return (listed.executions ?? []).filter((e) => e.name?.startsWith(jobId));
}

/**
 * The job's executions once none is RUNNING: the job reaches its terminal status in a step before the
 * end of its execution (a few states later, bounded), so a check right after the job ended can see it
 * still running on a loaded machine.
 */
async function endedExecutionsOf(jobId: string) {
  let executions = await executionsOf(jobId);
  for (let i = 0; i < 300 && executions.some((e) => e.status === 'RUNNING'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    executions = await executionsOf(jobId);
  }
  return executions;
}

async function outputKeys(jobId: string): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({
      Bucket: pipeline.stack.outputs.OutputsBucketName,
      Prefix: `t/${pipeline.tenant}/jobs/${jobId}/`,
    }),
  );
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

async function download(key: string): Promise<string> {
  const object = await s3.send(
    new GetObjectCommand({ Bucket: pipeline.stack.outputs.OutputsBucketName, Key: key }),
  );
  const path = join(dir, key.replaceAll('/', '_'));
  await writeFile(path, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
  return path;
}

describe('local pipeline: video and audio jobs on Step Functions + the Fargate transcoder', () => {
  it('transcodes an uploaded clip: progress rises with an ETA, the outputs play, the execution succeeds', async () => {
    const created = await uploadClip('landscape.mp4', {
      outputs: [{ kind: 'mp4', maxHeight: 720 }, { kind: 'hls', ladder: [1080, 360] }, { kind: 'poster' }],
    });
    const { job, seen } = await follow(created.id);
    expect(job.status, JSON.stringify(job.error)).toBe('COMPLETED');
    expect(job.progress).toBe(100);

    const processing = seen.filter((s) => s.status === 'PROCESSING').map((s) => s.progress);
    expect(processing).toEqual([...processing].sort((a, b) => a - b));
    expect(new Set(processing.filter((p) => p > 0 && p < 100)).size).toBeGreaterThanOrEqual(2);
    expect(seen.some((s) => s.stage === 'transcoding')).toBe(true);
    expect(seen.some((s) => s.status === 'PROCESSING' && typeof s.etaSeconds === 'number')).toBe(true);
    expect(job.sourceMetadata).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 1920 });
    expect(job.sourceMetadata?.durationSeconds).toBeCloseTo(3, 0);
    // The view shows what was asked of the video, not the image outputs' default.
    const view = job as unknown as Record<string, unknown>;
    expect(view.videoRequested).toMatchObject({
      outputs: [{ kind: 'mp4' }, { kind: 'hls' }, { kind: 'poster' }],
    });
    expect(view.outputsRequested).toBeUndefined();

    const mp4 = job.outputs?.find((o) => o.kind === 'mp4');
    expect(mp4).toMatchObject({ width: 1280, height: 720, codec: 'h264' });
    const probe = await runFfprobe(await download(mp4?.key ?? ''));
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format?.duration) - 3)).toBeLessThan(0.1);
    const hlsRungs = job.outputs?.filter((o) => o.kind === 'hls' && o.height !== undefined);
    expect(hlsRungs?.map((o) => `${o.width}x${o.height}`).sort()).toEqual(['1920x1080', '640x360']);

    const master = job.outputs?.find((o) => o.kind === 'hls' && o.rendition === 'master');
    const playlist = await readFile(await download(master?.key ?? ''), 'utf8');
    expect(playlist.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
    const stored = await outputKeys(created.id);
    expect(stored.some((key) => key.endsWith('.m4s'))).toBe(true);
    expect(stored).toContain(job.outputs?.find((o) => o.kind === 'poster')?.key);

    const executions = await endedExecutionsOf(created.id);
    expect(executions.map((e) => [e.name, e.status])).toEqual([[`${created.id}-a1`, 'SUCCEEDED']]);
  });

  it('keeps a portrait phone clip portrait, and turns an audio-only upload into audio renditions', async () => {
    const portrait = await uploadClip('portrait.mp4', { preset: 'mobile' });
    const audio = await uploadClip('tone.m4a', { preset: 'web' }, 'audio/mp4');
    const [p, a] = await Promise.all([follow(portrait.id), follow(audio.id)]);
    expect(p.job.status).toBe('COMPLETED');
    const video = p.job.outputs?.find((o) => o.kind === 'mp4');
    expect(video?.height).toBeGreaterThan(video?.width ?? Infinity);
    expect(a.job.status).toBe('COMPLETED');
    expect(
      a.job.outputs
        ?.filter((o) => o.kind === 'audio')
        .map((o) => o.codec)
        .sort(),
    ).toEqual(['aac', 'opus']);
  });

  it('refuses a text playlist named .mp4 and never connects to what it names', async () => {
    const connections: string[] = [];
    const server: Server = createServer((socket) => {
      connections.push(String(socket.remoteAddress));
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const playlist = [
      '#EXTM3U',
      '#EXTINF:1,',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      '#EXTINF:1,',
      'file:///etc/passwd',
      '#EXTINF:1,',
      `http://127.0.0.1:${port}/segment.ts`,
    ].join('\n');
    try {
      const created = await client.upload(Buffer.from(playlist), 'clip.mp4', 'video/mp4', {
        video: { preset: 'mobile' },
      });
      const { job } = await follow(created.id);
      expect(job.status).toBe('FAILED');
      expect(job.error?.code).toBe('PLAYLIST_NOT_ALLOWED');
      await pipeline.stack.idle(30_000);
      expect(connections).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('fails a truncated MP4 in the transcoder with an input error and leaves no outputs', async () => {
    const whole = await readFile(join(dir, 'landscape.mp4'));
    const created = await client.upload(whole.subarray(0, whole.length / 2), 'cut.mp4', 'video/mp4', {
      video: { preset: 'mobile' },
    });
    const { job } = await follow(created.id);
    expect(job.status).toBe('FAILED');
    expect(['CORRUPT_MEDIA', 'NOT_MEDIA']).toContain(job.error?.code);
    expect(await outputKeys(created.id)).toEqual([]);
    // An input error is a decision, not a crash: the execution itself succeeded. Its step that marks the
    // job FAILED runs before the execution ends, so wait for that end (two more states, bounded).
    expect((await endedExecutionsOf(created.id)).map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('cancels during the transcode: the execution and the task stop, and no outputs remain', async () => {
    const created = await uploadClip('long.mp4', { preset: 'web' });
    await follow(created.id, (j) => j.stage === 'transcoding' && j.progress >= 6);
    expect(pipeline.stack.containers.running).toBe(1);
    const cancelled = await client.api<JobBody>('DELETE', `/jobs/${created.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');

    await vi.waitFor(() => expect(pipeline.stack.containers.running).toBe(0), { timeout: 15_000 });
    await pipeline.stack.idle(30_000);
    expect((await endedExecutionsOf(created.id)).map((e) => e.status)).toEqual(['ABORTED']);
    expect((await client.job(created.id)).status).toBe('CANCELLED');
    expect(await outputKeys(created.id)).toEqual([]);
  });

  it('cancelling a batch stops the execution of its transcoding video job', async () => {
    const key = `t/${pipeline.tenant}/library/batch-long.mp4`;
    await s3.send(
      new PutObjectCommand({
        Bucket: pipeline.stack.outputs.UploadsBucketName,
        Key: key,
        Body: await readFile(join(dir, 'long.mp4')),
        ContentType: 'video/mp4',
      }),
    );
    const submitted = await client.api<{ id: string }>('POST', '/batches', {
      body: { name: 'videos', jobs: [{ ref: 'clip', source: { key }, video: { preset: 'web' } }] },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const jobId = await vi.waitFor(
      async () => {
        const batch = await client.api<{ jobs: JobBody[] }>('GET', `/batches/${submitted.body.id}`);
        const id = batch.body.jobs[0]?.id;
        if (!id) throw new Error('no job yet');
        return id;
      },
      { timeout: 15_000 },
    );
    await follow(jobId, (j) => j.stage === 'transcoding');
    expect((await client.api('DELETE', `/batches/${submitted.body.id}`)).status).toBe(200);

    await vi.waitFor(() => expect(pipeline.stack.containers.running).toBe(0), { timeout: 15_000 });
    await pipeline.stack.idle(30_000);
    expect((await endedExecutionsOf(jobId)).map((e) => e.status)).toEqual(['ABORTED']);
    expect((await client.job(jobId)).status).toBe('CANCELLED');
    expect(await outputKeys(jobId)).toEqual([]);
  });

  it('retries a transcoder killed mid-encode: one COMPLETED job, complete outputs', async () => {
    const runTask = vi.spyOn(EcsRunner.prototype, 'runTask');
    const created = await uploadClip('long.mp4', { preset: 'mobile' });
    await follow(created.id, (j) => j.stage === 'transcoding' && j.progress >= 10);
    const [pid] = pipeline.stack.containers.pids;
    expect(pid).toBeDefined();
    process.kill(-(pid as number), 'SIGKILL');

    const { job, seen } = await follow(created.id);
    expect(job.status).toBe('COMPLETED');
    expect(runTask).toHaveBeenCalledTimes(2);
    // Progress never went backwards although the second task started over.
    const progress = seen.map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const mp4 = job.outputs?.find((o) => o.kind === 'mp4');
    const probe = await runFfprobe(await download(mp4?.key ?? ''));
    expect(Math.abs(Number(probe.format?.duration) - 10)).toBeLessThan(0.1);
    expect((await endedExecutionsOf(created.id)).map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('retries RunTask throttled twice, then runs the task', async () => {
    const realRunTask = EcsRunner.prototype.runTask;
    let throttled = 0;
    const runTask = vi.spyOn(EcsRunner.prototype, 'runTask').mockImplementation(async function (
      this: EcsRunner,
      ...args: Parameters<EcsRunner['runTask']>
    ) {
      if (throttled < 2) {
        throttled += 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return realRunTask.apply(this, args);
    });
    const created = await uploadClip('short.mp4', { preset: 'mobile' });
    const { job } = await follow(created.id);
    expect(job.status).toBe('COMPLETED');
    expect(runTask).toHaveBeenCalledTimes(3);
  });

  it('ends the job FAILED with TRANSCODE_FAILED when every task attempt fails', async () => {
    const runTask = vi
      .spyOn(EcsRunner.prototype, 'runTask')
      .mockRejectedValue(new TaskEnded('failed', 'Essential container transcoder exited with code 137'));
    const created = await uploadClip('short.mp4', { preset: 'mobile' });
    const { job } = await follow(created.id);
    expect(job.status).toBe('FAILED');
    expect(job.error?.code).toBe('TRANSCODE_FAILED');
    expect(job.error?.detail).toContain('137');
    expect(runTask).toHaveBeenCalledTimes(3);
    await pipeline.stack.idle(30_000);
    expect((await endedExecutionsOf(created.id)).map((e) => e.status)).toEqual(['FAILED']);
  });
});
