import type { z } from 'zod';

/**
 * What a use case refused, in its own terms. Each edge maps the kind its own way: the HTTP API to a
 * status and problem details (src/adapters/http/problems.ts), the CLI to a message and exit code.
 */
export type DomainErrorKind =
  /** The input is malformed or breaks a rule of the request schema. */
  | 'validation'
  /** The caller may not touch what it named (e.g. a key outside its tenant). */
  | 'forbidden'
  | 'not-found'
  /** A concurrent change got there first; the same call may succeed when retried. */
  | 'conflict'
  /** The resource's state forbids the operation (a finished job cannot be cancelled). */
  | 'invalid-state'
  /** A fixed allowance is used up (webhooks per tenant); retrying does not help. */
  | 'limit'
  /** Too much work at once; retry after `retryAfterSeconds`. */
  | 'quota'
  /** Well-formed, but it refers to something unusable (a missing source, a reused idempotency key). */
  | 'unprocessable'
  | 'too-large'
  | 'unsupported-media';

export interface FieldIssue {
  /** Dotted path into the input, `(body)` for the whole of it. */
  path: string;
  message: string;
}

export interface DomainErrorOptions {
  issues?: FieldIssue[];
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable, machine-readable: clients branch on it (NOT_FOUND, INVALID_STATE, TENANT_LIMIT…). */
    readonly code: string,
    /** Short and the same for every occurrence of the code. */
    readonly title: string,
    /** This occurrence, for a human. */
    readonly detail: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'DomainError';
  }
}

export const domainError = (
  kind: DomainErrorKind,
  code: string,
  title: string,
  detail: string,
  options?: DomainErrorOptions,
) => new DomainError(kind, code, title, detail, options);

export const invalidRequest = (detail: string, issues?: FieldIssue[]) =>
  new DomainError('validation', 'INVALID_REQUEST', 'Invalid request', detail, issues ? { issues } : {});

export const notFound = (title: string, detail: string) =>
  new DomainError('not-found', 'NOT_FOUND', title, detail);

export const invalidState = (title: string, detail: string) =>
  new DomainError('invalid-state', 'INVALID_STATE', title, detail);

export const idempotencyKeyReused = () =>
  new DomainError(
    'unprocessable',
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency key reused',
    'the key was used with a different request',
  );

/** Parses input with a zod schema, or throws a validation error listing every issue. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalidRequest(
    'the request body does not match the schema',
    parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(body)',
      message: issue.message,
    })),
  );
}
