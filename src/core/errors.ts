/**
 * Error taxonomy shared by every adapter. The class decides what happens to the work:
 * input errors are terminal (FAILED, message acknowledged, no retry loop), retryable errors
 * go back to the queue, internal errors are bugs and also retried until the DLQ takes them.
 */
export const ErrorCodes = {
  // input (terminal)
  INVALID_REQUEST: 'INVALID_REQUEST',
  EMPTY_OBJECT: 'EMPTY_OBJECT',
  OBJECT_TOO_LARGE: 'OBJECT_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  CONTENT_TYPE_MISMATCH: 'CONTENT_TYPE_MISMATCH',
  CORRUPT_MEDIA: 'CORRUPT_MEDIA',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  KEY_OUTSIDE_TENANT: 'KEY_OUTSIDE_TENANT',
  SOURCE_NOT_FOUND: 'SOURCE_NOT_FOUND',
  SVG_NOT_ALLOWED: 'SVG_NOT_ALLOWED',
  OUTPUT_TOO_LARGE: 'OUTPUT_TOO_LARGE',
  /** Video/audio past a configured limit (duration, dimensions, pixels, fps, stream count). */
  MEDIA_LIMIT_EXCEEDED: 'MEDIA_LIMIT_EXCEEDED',
  /** A text playlist, concat script, SDP or other text given as media: never opened by ffmpeg. */
  PLAYLIST_NOT_ALLOWED: 'PLAYLIST_NOT_ALLOWED',
  /** A container ffprobe can read that holds no audio or video stream. */
  NOT_MEDIA: 'NOT_MEDIA',
  /** A batch job whose dependency failed or was cancelled: it never starts. */
  DEPENDENCY_FAILED: 'DEPENDENCY_FAILED',
  /** The presigned upload expired and no object arrived: the job ends (the reconciler decides). */
  UPLOAD_EXPIRED: 'UPLOAD_EXPIRED',
  // retryable
  TRANSIENT: 'TRANSIENT',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  // terminal after retries
  RETRIES_EXHAUSTED: 'RETRIES_EXHAUSTED',
  /** The transcoder task kept failing (crashed, killed, could not start) after the state machine's retries. */
  TRANSCODE_FAILED: 'TRANSCODE_FAILED',
  /** The transcoder task ran past its time limit. */
  TRANSCODE_TIMEOUT: 'TRANSCODE_TIMEOUT',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export type ErrorKind = 'input' | 'retryable' | 'internal';

export class PipelineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly kind: ErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PipelineError';
  }
  /**
   * Set on a retryable error once the worker has given its claim on the job back: a redelivery may
   * then come at once. Otherwise the claim's lease still holds and an early redelivery would find the
   * job "in flight" and be acknowledged, leaving it PROCESSING with nobody working on it.
   */
  claimReleased = false;

  get retryable(): boolean {
    return this.kind !== 'input';
  }
}

export const inputError = (code: ErrorCode, message: string, cause?: unknown) =>
  new PipelineError(code, message, 'input', { cause });
export const retryableError = (code: ErrorCode, message: string, cause?: unknown) =>
  new PipelineError(code, message, 'retryable', { cause });

/** Anything that is not a PipelineError is an unexpected (internal, retryable) failure. */
export function toPipelineError(error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PipelineError(ErrorCodes.INTERNAL, message, 'internal', { cause: error });
}
