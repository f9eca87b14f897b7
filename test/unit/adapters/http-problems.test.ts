import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemFor, STATUS_BY_KIND } from '../../../src/adapters/http/problems.js';
import {
  DomainError,
  domainError,
  invalidRequest,
  notFound,
  parseInput,
} from '../../../src/core/domain-error.js';

describe('HTTP edge: domain errors become problem details', () => {
  it('maps each kind to its status, keeping the code, title and detail', () => {
    expect(problemFor(notFound('Job not found', 'no job j1')).details).toEqual({
      type: 'https://media-pipeline.dev/problems/job-not-found',
      title: 'Job not found',
      status: 404,
      detail: 'no job j1',
      code: 'NOT_FOUND',
    });
    const statuses = Object.fromEntries(
      Object.keys(STATUS_BY_KIND).map((kind) => [
        kind,
        problemFor(domainError(kind as keyof typeof STATUS_BY_KIND, 'X', 'T', 'd')).details.status,
      ]),
    );
    expect(statuses).toEqual({
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
    });
  });

  it('sends Retry-After for a quota error and field issues as errors[]', () => {
    const quota = problemFor(
      domainError('quota', 'TENANT_LIMIT', 'Too many', 'slow down', { retryAfterSeconds: 30 }),
    );
    expect(quota.headers).toEqual({ 'retry-after': '30' });
    expect(problemFor(invalidRequest('bad')).headers).toEqual({});

    const parsed = (() => {
      try {
        parseInput(z.object({ size: z.number().int() }), { size: 'big' });
      } catch (error) {
        return error;
      }
    })();
    expect(parsed).toBeInstanceOf(DomainError);
    expect(problemFor(parsed as DomainError).details).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
      errors: [{ path: 'size', message: expect.any(String) }],
    });
  });
});
