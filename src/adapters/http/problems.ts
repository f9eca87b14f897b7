import type { DomainError, DomainErrorKind } from '../../core/domain-error.js';

/** RFC 9457 problem details, as the HTTP API returns them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Partial<ProblemDetails> = {},
): ProblemDetails {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { type: `https://media-pipeline.dev/problems/${slug}`, title, status, detail, ...extra };
}

/** The one place a domain error kind becomes an HTTP status. */
export const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'invalid-state': 409,
  limit: 409,
  quota: 429,
  unprocessable: 422,
  'too-large': 413,
  'unsupported-media': 415,
};

export interface ProblemResponse {
  details: ProblemDetails;
  headers: Record<string, string>;
}

/** A detail that echoes client input (an id, a value) is cut, so an error never mirrors a huge request. */
const MAX_DETAIL_LENGTH = 500;
const boundedDetail = (detail: string) =>
  detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}…` : detail;

export function problemFor(error: DomainError): ProblemResponse {
  const { issues, retryAfterSeconds } = error.options;
  return {
    details: problem(STATUS_BY_KIND[error.kind], error.title, boundedDetail(error.detail), {
      code: error.code,
      ...(issues ? { errors: issues } : {}),
    }),
    headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  };
}
