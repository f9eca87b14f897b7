/**
 * The transcoder container's entry (the ECS Fargate task the video state machine runs; locally, a child
 * process of the local runtime). One job attempt per run, from the container overrides naming the job's
 * tenant, id and attempt (src/contract/env.ts). Writes the result document the finalize step reads, then exits:
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
import { loadConfig } from '../../src/contract/config.js';
import { ENV } from '../../src/contract/env.js';
import { transcodeResultKey } from '../../src/core/keys.js';
import { removeUploads, runTranscodeJob } from '../../src/jobs/video/transcode-job.js';
import { DEFAULT_VIDEO_LIMITS } from '../../src/media/video/index.js';

const Target = z.object({
  [ENV.jobTenant]: z.string().min(1),
  [ENV.jobId]: z.string().min(1),
  [ENV.jobAttempt]: z.coerce.number().int().min(1),
});
const Limits = z.object({
  [ENV.videoMaxDurationSeconds]: z.coerce
    .number()
    .positive()
    .default(DEFAULT_VIDEO_LIMITS.maxDurationSeconds),
  [ENV.videoMaxWidth]: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxWidth),
  [ENV.videoMaxHeight]: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxHeight),
  [ENV.videoMaxFps]: z.coerce.number().positive().default(DEFAULT_VIDEO_LIMITS.maxFps),
  [ENV.videoMaxStreams]: z.coerce.number().int().positive().default(DEFAULT_VIDEO_LIMITS.maxStreams),
  [ENV.scratchDir]: z.string().min(1).optional(),
});

async function main(): Promise<number> {
  const target = Target.safeParse(process.env);
  if (!target.success) {
    logger.error(`the task needs ${ENV.jobTenant}, ${ENV.jobId} and ${ENV.jobAttempt}`, {
      issues: target.error.issues,
    });
    return 2;
  }
  const { [ENV.jobTenant]: tenant, [ENV.jobId]: jobId, [ENV.jobAttempt]: attempt } = target.data;
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
          maxDurationSeconds: env[ENV.videoMaxDurationSeconds],
          maxWidth: env[ENV.videoMaxWidth],
          maxHeight: env[ENV.videoMaxHeight],
          maxPixels: env[ENV.videoMaxWidth] * env[ENV.videoMaxHeight],
          maxFps: env[ENV.videoMaxFps],
          maxStreams: env[ENV.videoMaxStreams],
        },
        workRoot: env[ENV.scratchDir] ?? join(tmpdir(), 'media-pipeline-transcoder'),
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
