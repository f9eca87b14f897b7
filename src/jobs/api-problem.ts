import type { z } from 'zod';
import { type ProblemDetails, problem } from '../core/errors.js';

/** An error the HTTP adapter turns into an RFC 9457 problem-details response. */
export class ApiProblem extends Error {
  constructor(
    readonly details: ProblemDetails,
    /** Response headers that belong to the problem, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(details.detail ?? details.title);
    this.name = 'ApiProblem';
  }
  static of(status: number, title: string, detail?: string, extra?: Partial<ProblemDetails>) {
    return new ApiProblem(problem(status, title, detail, extra));
  }
}

export function parseOrProblem<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ApiProblem.of(400, 'Invalid request', 'the request body does not match the schema', {
    code: 'INVALID_REQUEST',
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(body)',
      message: issue.message,
    })),
  });
}
