import { spawn } from 'node:child_process';
import { ENV, readEnv } from '../../contract/env.js';
import { ErrorCodes, inputError, PipelineError, retryableError } from '../../core/errors.js';

/** Read at call time: the Fargate image, the local runtime and tests each point at their own build. */
export const ffmpegPath = () => readEnv('ffmpegPath') || 'ffmpeg';
export const ffprobePath = () => readEnv('ffprobePath') || 'ffprobe';

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. ffmpeg usually exits on SIGTERM, but a stuck muxer may not. */
  killGraceMs?: number;
  /** Streamed stdout (ffmpeg's -progress). */
  onStdout?: (chunk: string) => void;
  /** Keep stdout (ffprobe's JSON) up to this many characters; past it the run is stopped. */
  collectStdout?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last few KB only: enough for the error ffmpeg printed last. */
  stderr: string;
}

const STDERR_TAIL_CHARS = 16_384;
const DEFAULT_KILL_GRACE_MS = 2_000;

/** The reason an aborted signal carries (a DOMException 'AbortError' unless the caller gave one). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError');
}

/**
 * Runs a tool without a shell (arguments are never parsed by one). Abort and timeout stop the child
 * with SIGTERM, then SIGKILL after the grace period; the promise settles only once the child is gone,
 * so a caller that cleans up afterwards never races a process still writing files.
 */
export function runTool(
  binary: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let failure: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (error: Error) => {
      if (failure) return;
      failure = error;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => stop(abortReason(signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = options.timeoutMs
      ? setTimeout(
          () =>
            stop(
              retryableError(
                ErrorCodes.RESOURCE_EXHAUSTED,
                `${binaryName(binary)} exceeded its time budget of ${options.timeoutMs} ms`,
              ),
            ),
          options.timeoutMs,
        )
      : undefined;

    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      options.onStdout?.(chunk);
      if (options.collectStdout === undefined) return;
      stdout += chunk;
      if (stdout.length > options.collectStdout) {
        stop(
          inputError(
            ErrorCodes.MEDIA_LIMIT_EXCEEDED,
            `${binaryName(binary)} output is too large (too many streams?)`,
          ),
        );
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT) emit no 'close' reliably: settle here. Later errors also end in 'close'.
      if (child.pid !== undefined) return;
      const hint =
        error.code === 'ENOENT' ? ` (not installed? set ${ENV.ffmpegPath} / ${ENV.ffprobePath})` : '';
      settle(() => reject(new Error(`cannot run ${binary}: ${error.message}${hint}`, { cause: error })));
    });
    child.on('close', (exitCode, exitSignal) => {
      settle(() => {
        if (failure) reject(failure);
        else resolve({ exitCode, signal: exitSignal, stdout, stderr });
      });
    });
  });
}

const binaryName = (binary: string) => binary.split('/').pop() ?? binary;

/**
 * What a failed ffmpeg/ffprobe run means for the job: bad input is terminal, a full disk or memory
 * (including the kernel's OOM killer, seen as SIGKILL we did not send) is worth another attempt,
 * anything else is a bug or an unknown and surfaces as internal with ffmpeg's own last words.
 */
export function toolFailure(binary: string, result: RunResult): PipelineError {
  const lastLines = result.stderr.trim().split('\n').slice(-5).join(' | ').slice(0, 800);
  const what = `${binaryName(binary)} failed (${result.signal ?? `exit ${result.exitCode}`}): ${lastLines}`;
  if (/No space left on device|Cannot allocate memory|out of memory|ENOMEM/i.test(result.stderr)) {
    return retryableError(ErrorCodes.RESOURCE_EXHAUSTED, what);
  }
  if (result.signal === 'SIGKILL') return retryableError(ErrorCodes.RESOURCE_EXHAUSTED, what);
  if (/not on whitelist/i.test(result.stderr)) {
    return inputError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, `container format is not allowed: ${lastLines}`);
  }
  if (
    /Invalid data found|moov atom not found|partial file|corrupt|Error while decoding|error reading header|End of file|could not find codec parameters/i.test(
      result.stderr,
    )
  ) {
    return inputError(ErrorCodes.CORRUPT_MEDIA, `media could not be read: ${lastLines}`);
  }
  return new PipelineError(ErrorCodes.INTERNAL, what, 'internal');
}
