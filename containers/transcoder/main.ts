/**
 * The transcoder container's entry (the ECS Fargate task the video state machine runs; locally, a child
 * process of the local runtime). One job attempt per run, from the container overrides JOB_TENANT,
 * JOB_ID and JOB_ATTEMPT. Writes the result document the finalize step reads, then exits:
 *   0  the attempt is decided (outputs uploaded, or an input error recorded, or the job moved on)
 *   1  something retryable went wrong: the state machine retries the task
 *   143 stopped (SIGTERM from StopTask, e.g. a cancel): scratch space removed, partial uploads deleted
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { jobStore } from '../../lambdas/shared/job-store.js';
import { logger } from '../../lambdas/shared/observability.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { transcodeResultKey } from '../../src/core/keys.js';
import { loadConfig } from '../../src/jobs/config.js';
import { removeUploads, runTranscodeJob } from '../../src/jobs/video/transcode-job.js';
import { DEFAULT_VIDEO_LIMITS } from '../../src/media/video/index.js';

const Target = z.object({
  JOB_TENANT: z.string().min(1),
  JOB_ID: z.string().min(1),
  JOB_ATTEMPT: z.coerce.number().int().min(1),
});
const Limits = z.object({
  VIDEO_MAX_DURATION_SECONDS: z.coerce.number().positive().default(DEFAULT_VIDEO_LIMITS.maxDurationSeconds),
  VIDEO_MAX_WIDTH: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxWidth),
  VIDEO_MAX_HEIGHT: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxHeight),
  VIDEO_MAX_FPS: z.coerce.number().positive().default(DEFAULT_VIDEO_LIMITS.maxFps),
  VIDEO_MAX_STREAMS: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxStreams),
  SCRATCH_DIR: z.string().min(1).optional(),
});

async function main(): Promise<number> {
  const target = Target.safeParse(process.env);
  if (!target.success) {
    logger.error('the task needs JOB_TENANT, JOB_ID and JOB_ATTEMPT', { issues: target.error.issues });
    return 2;
  }
  const { JOB_TENANT: tenant, JOB_ID: jobId, JOB_ATTEMPT: attempt } = target.data;
  logger.appendKeys({ tenant, jobId, attempt });
  const env = Limits.parse(process.env);
  const config = loadConfig();
  const jobs = jobStore(config);
  const objects = new S3ObjectStore();
  const stop = new AbortController();
  process.once('SIGTERM', () => {
    logger.warn('SIGTERM: stopping the transcode');
    stop.abort(new Error('the task was stopped'));
  });

  try {
    const result = await runTranscodeJob(
      {
        jobs,
        objects,
        outputsBucket: config.outputsBucket,
        maxSourceBytes: config.maxVideoUploadBytes,
        limits: {
          maxDurationSeconds: env.VIDEO_MAX_DURATION_SECONDS,
          maxWidth: env.VIDEO_MAX_WIDTH,
          maxHeight: env.VIDEO_MAX_HEIGHT,
          maxPixels: env.VIDEO_MAX_WIDTH * env.VIDEO_MAX_HEIGHT,
          maxFps: env.VIDEO_MAX_FPS,
          maxStreams: env.VIDEO_MAX_STREAMS,
        },
        workRoot: env.SCRATCH_DIR ?? join(tmpdir(), 'media-pipeline-transcoder'),
        signal: stop.signal,
        log: (message, data) => logger.warn(message, { ...data }),
      },
      { tenant, jobId, attempt },
    );
    await objects.write(
      config.outputsBucket,
      transcodeResultKey(tenant, jobId, attempt),
      Buffer.from(JSON.stringify(result)),
      'application/json',
    );
    logger.info('transcode decided', {
      status: result.status,
      outputs: result.status === 'COMPLETED' ? result.outputs.length : undefined,
    });
    return 0;
  } catch (error) {
    if (stop.signal.aborted) {
      // Stopped (a cancel, or the task timed out): nothing this run uploaded will be used (a retry uploads
      // again), so leave none of it behind, unless the job moved on to another attempt or completed.
      await removeUploads({ jobs, objects, outputsBucket: config.outputsBucket }, { tenant, jobId, attempt });
      logger.warn('transcode stopped');
      return 143;
    }
    logger.error('transcode failed; the state machine retries it', { error });
    return 1;
  }
}

process.exitCode = await main();
