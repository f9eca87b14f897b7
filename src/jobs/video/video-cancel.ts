import type { Job } from '../../core/job.js';
import { jobOutputsPrefix } from '../../core/keys.js';
import type { ObjectStore, VideoOrchestrator } from '../../core/ports.js';

export interface TranscodeStopDeps {
  video?: VideoOrchestrator;
  objects: Pick<ObjectStore, 'deletePrefix'>;
  outputsBucket: string;
  onStopFailed?: (error: unknown, job: Job) => void;
}

/**
 * After a job was written CANCELLED: stops its transcode execution (Step Functions stops the ECS task)
 * and removes what the task had uploaded. The CANCELLED write is what counts: if stopping fails, the task
 * runs to its end and its finalize step, refused by the conditional write, deletes the files
 * (video-finalize.ts); the transcoder also cleans up when stopped. So a failure here is reported through
 * `onStopFailed` and the cancel still succeeds. Jobs that never had an execution (images) are untouched.
 */
export async function stopTranscode(deps: TranscodeStopDeps, job: Job): Promise<void> {
  if (!deps.video || !job.executionArn) return;
  try {
    await deps.video.stop(job.executionArn, `job ${job.jobId} cancelled`);
    await deps.objects.deletePrefix(deps.outputsBucket, jobOutputsPrefix(job.tenant, job.jobId));
  } catch (error) {
    deps.onStopFailed?.(error, job);
  }
}
