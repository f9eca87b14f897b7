import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type Problem = Schemas['Problem'];

/** An error answer of the API as problem details (RFC 9457), or the gateway's `{message}` turned into one. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiProblem';
  }

  get status(): number {
    return this.problem.status;
  }

  /** The key is missing, wrong or revoked: the console signs out rather than showing every page failing. */
  get isAuthFailure(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function toProblem(status: number, statusText: string, body: unknown): Problem {
  if (body && typeof body === 'object' && 'title' in body && 'status' in body) return body as Problem;
  const message =
    body && typeof body === 'object' && 'message' in body
      ? String((body as { message: unknown }).message)
      : '';
  return {
    type: 'about:blank',
    title: statusText || message || `HTTP ${status}`,
    status,
    detail: message && message !== statusText ? message : undefined,
  };
}

/** The typed client of the documented API (paths and bodies come from docs/openapi.json). */
export function apiClient(baseUrl: string, apiKey: string) {
  const client = createClient<paths>({ baseUrl });
  const withKey: Middleware = {
    onRequest({ request }) {
      request.headers.set('x-api-key', apiKey);
      return request;
    },
  };
  client.use(withKey);
  return client;
}
export type ApiClient = ReturnType<typeof apiClient>;

/** The data of a successful answer; otherwise throws ApiProblem (network failures included). */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (error) {
    throw new ApiProblem({
      type: 'about:blank',
      title: 'The API did not answer',
      status: 0,
      detail: `${(error as Error).message}. Is the stack running, and is the API URL right?`,
    });
  }
  const { data, error, response } = result;
  if (!response.ok) throw new ApiProblem(toProblem(response.status, response.statusText, error));
  return data as T;
}
