/** The CLI's exit codes, for scripts (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A job, batch job or file failed (the command itself ran). */
  failed: 1,
  /** Bad usage: an unknown option, a missing argument, an unreadable spec. */
  usage: 2,
  /** The API refused the request (a 4xx problem: wrong key, invalid body, not found). */
  refused: 3,
  /** The API did not answer, or answered 5xx: retrying later may work. */
  unavailable: 4,
} as const;

/** A 4xx or 5xx answer of the API, with its problem details. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string; code?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all (connection refused, DNS, timeout). */
export class ApiUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnreachableError';
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code an error ends the command with, and how `--json` reports it. */
export function exitFor(error: unknown): { code: number; json: Record<string, unknown> } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) {
    return {
      code: error.status >= 500 ? EXIT.unavailable : EXIT.refused,
      json: { error: { message, status: error.status, ...error.problem } },
    };
  }
  if (error instanceof ApiUnreachableError) return { code: EXIT.unavailable, json: { error: { message } } };
  if (error instanceof UsageError) return { code: EXIT.usage, json: { error: { message } } };
  return { code: EXIT.failed, json: { error: { message } } };
}
