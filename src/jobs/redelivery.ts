import { PipelineError } from '../core/errors.js';

/**
 * How long a message whose job failed with a retryable error stays hidden before SQS hands it out
 * again: exponential in the number of receives, with "equal jitter" (half fixed, half random) so that
 * jobs failing together (a throttled dependency) do not come back together. Without it a failed message
 * would wait the queue's whole visibility timeout (6x the worker timeout: 12 min in dev).
 */
export interface RedeliveryOptions {
  baseSeconds: number;
  /** Never longer than this (the queue's visibility timeout is the natural cap). */
  maxSeconds: number;
  random?: () => number;
}

export function redeliveryDelaySeconds(receiveCount: number, options: RedeliveryOptions): number {
  const random = options.random ?? Math.random;
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  const ceiling = Math.min(options.maxSeconds, options.baseSeconds * 2 ** Math.min(n - 1, 30));
  return Math.max(1, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}

/**
 * The delay for a failed message: the backoff when the worker gave its claim back, else at least the
 * claim's lease (plus a margin). An earlier redelivery would find the job "in flight" under the live
 * lease and be acknowledged as a duplicate, leaving the job PROCESSING with nobody working on it.
 */
export function retryDelaySeconds(
  error: unknown,
  receiveCount: number,
  options: RedeliveryOptions & { leaseSeconds: number },
): number {
  const backoff = redeliveryDelaySeconds(receiveCount, options);
  const released = error instanceof PipelineError && error.claimReleased;
  return released ? backoff : Math.max(backoff, options.leaseSeconds + 5);
}
