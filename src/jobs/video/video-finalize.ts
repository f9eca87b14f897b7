import { z } from 'zod';
import { type ErrorCode, ErrorCodes } from '../../core/errors.js';
import { isTerminal, type Job } from '../../core/job.js';
import { jobOutputsPrefix, transcodeResultKey } from '../../core/keys.js';
import { ConditionFailedError, type JobStore, type ObjectStore } from '../../core/ports.js';
import type { TranscodeResultDocument } from './transcode-job.js';

export interface VideoFinalizeDeps {
  jobs: JobStore;
  objects: ObjectStore;
  outputsBucket: string;
  now?: () => number;
}

export const VideoTaskInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('finalize'),
    tenant: z.string().min(1),
    jobId: z.string().min(1),
    attempt: z.number().int().min(1),
  }),
  /** From the state machine's Catch: the error output ({Error, Cause}) of the step that failed. */
  z
    .object({
      action: z.literal('fail'),
      tenant: z.string().min(1),
      jobId: z.string().min(1),
      attempt: z.number().int().min(1),
      failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).default({}),
    })
    .transform(({ failure, ...rest }) => ({
      ...rest,
      error: failure.Error ?? 'States.TaskFailed',
      cause: failure.Cause ?? '',
    })),
]);
export type VideoTaskInput = z.infer<typeof VideoTaskInput>;

export type VideoTaskResult = { jobId: string; status: Job['status'] | 'SUPERSEDED'; cleanedUp?: number };

/** The state machine's last step: record the transcoder's outputs (COMPLETED) or its input error (FAILED). */
export async function finalizeTranscode(
  deps: VideoFinalizeDeps,
  input: { tenant: string; jobId: string; attempt: number },
): Promise<VideoTaskResult> {
  const document = await readResult(deps, input);
  if (!document) return failTranscode(deps, { ...input, error: 'NoResult', cause: '' });
  if (document.status === 'SUPERSEDED') return { jobId: input.jobId, status: 'SUPERSEDED' };
  if (document.status === 'FAILED')
    return endFailed(deps, input, document.error.code as ErrorCode, document.error.message);
  const now = deps.now ?? Date.now;
  try {
    const job = await deps.jobs.transition(input.tenant, input.jobId, 'COMPLETED', {
      attempt: input.attempt,
      set: {
        outputs: document.outputs,
        sourceMetadata: document.sourceMetadata,
        stage: 'done',
        progress: 100,
        etaSeconds: undefined,
        error: undefined,
        completedAt: new Date(now()).toISOString(),
      },
    });
    return { jobId: job.jobId, status: job.status };
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    // Cancelled (or failed) while the task ran: the late result is rejected and its files removed.
    return lostRace(deps, input);
  }
}

/**
 * The Catch step: the task failed after its retries (crashed, killed, no capacity) or ran out of time.
 * The job ends FAILED with a code, and whatever the task had uploaded is deleted: no partial outputs stay.
 */
export async function failTranscode(
  deps: VideoFinalizeDeps,
  input: { tenant: string; jobId: string; attempt: number; error: string; cause: string },
): Promise<VideoTaskResult> {
  const timedOut = input.error === 'States.Timeout' || input.error === 'States.HeartbeatTimeout';
  const code = timedOut ? ErrorCodes.TRANSCODE_TIMEOUT : ErrorCodes.TRANSCODE_FAILED;
  const detail = describeCause(input.cause);
  const message = timedOut
    ? `the transcode ran past its time limit${detail ? `: ${detail}` : ''}`
    : input.error === 'NoResult'
      ? 'the transcoder exited without writing a result'
      : `the transcoder failed after its retries (${input.error})${detail ? `: ${detail}` : ''}`;
  return endFailed(deps, input, code, message);
}

async function endFailed(
  deps: VideoFinalizeDeps,
  input: { tenant: string; jobId: string; attempt: number },
  code: ErrorCode,
  message: string,
): Promise<VideoTaskResult> {
  const now = deps.now ?? Date.now;
  try {
    const job = await deps.jobs.transition(input.tenant, input.jobId, 'FAILED', {
      attempt: input.attempt,
      // Only this attempt's transcode: a cancelled job retried since (QUEUED, same attempt) is not ours.
      from: ['PROCESSING'],
      set: {
        stage: 'failed',
        etaSeconds: undefined,
        error: { code, message: message.slice(0, 1000), retryable: false },
        completedAt: new Date(now()).toISOString(),
      },
    });
    const cleanedUp = await deps.objects.deletePrefix(
      deps.outputsBucket,
      jobOutputsPrefix(input.tenant, input.jobId),
    );
    return { jobId: job.jobId, status: job.status, cleanedUp };
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    return lostRace(deps, input);
  }
}

/**
 * The job is no longer this attempt's to end. If it was cancelled or failed meanwhile, this attempt's
 * files are removed; a newer attempt (a retry) or a completed job keeps them.
 */
async function lostRace(
  deps: VideoFinalizeDeps,
  input: { tenant: string; jobId: string; attempt: number },
): Promise<VideoTaskResult> {
  const current = await deps.jobs.get(input.tenant, input.jobId);
  if (!current) return { jobId: input.jobId, status: 'SUPERSEDED' };
  const ours = current.attempt === input.attempt;
  if (ours && isTerminal(current.status) && current.status !== 'COMPLETED') {
    const cleanedUp = await deps.objects.deletePrefix(
      deps.outputsBucket,
      jobOutputsPrefix(input.tenant, input.jobId),
    );
    return { jobId: input.jobId, status: current.status, cleanedUp };
  }
  return { jobId: input.jobId, status: ours ? current.status : 'SUPERSEDED' };
}

async function readResult(
  deps: VideoFinalizeDeps,
  input: { tenant: string; jobId: string; attempt: number },
): Promise<TranscodeResultDocument | undefined> {
  const key = transcodeResultKey(input.tenant, input.jobId, input.attempt);
  if (!(await deps.objects.head(deps.outputsBucket, key))) return undefined;
  return JSON.parse((await deps.objects.read(deps.outputsBucket, key)).toString('utf8'));
}

/** Step Functions' cause for an ECS task is the task description (JSON): keep its stop reason. */
function describeCause(cause: string): string {
  try {
    const task = JSON.parse(cause) as {
      StoppedReason?: string;
      Containers?: { ExitCode?: number; Reason?: string }[];
    };
    const exit = task.Containers?.find((c) => c.ExitCode !== undefined && c.ExitCode !== 0);
    return [task.StoppedReason, exit ? `exit code ${exit.ExitCode}` : undefined, exit?.Reason]
      .filter(Boolean)
      .join('; ');
  } catch {
    return cause.slice(0, 300);
  }
}
