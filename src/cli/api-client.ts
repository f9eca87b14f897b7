import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, readEnv } from '../contract/env.js';
import { ApiError, ApiUnreachableError, UsageError } from './exit-codes.js';

export interface CliTarget {
  apiUrl: string;
  apiKey: string;
}

/** Where `npm start` records the local stack's API URL and its development API key. */
export const LOCAL_STACK_FILE = join('.local', 'stack.json');

/** Flags win, then the API URL / key variables (src/contract/env.ts), then the running local stack. */
export function resolveTarget(flags: { api?: string; apiKey?: string }, cwd = process.cwd()): CliTarget {
  const file = join(cwd, LOCAL_STACK_FILE);
  const local = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<CliTarget>) : {};
  const apiUrl = flags.api ?? readEnv('apiUrl') ?? local.apiUrl;
  const apiKey = flags.apiKey ?? readEnv('apiKey') ?? local.apiKey;
  if (!apiUrl || !apiKey) {
    throw new UsageError(
      'no API to talk to: start the local stack with `npm start`, or pass --api URL and --api-key KEY ' +
        `(or set ${ENV.apiUrl} and ${ENV.apiKey})`,
    );
  }
  return { apiUrl: apiUrl.replace(/\/$/, ''), apiKey };
}

export class ApiClient {
  constructor(private readonly target: CliTarget) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.target.apiUrl}${path}`, {
        method,
        headers: { 'x-api-key': this.target.apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new ApiUnreachableError(`${method} ${path}: no answer from ${this.target.apiUrl} (${cause})`);
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      if (response.ok) throw new ApiError(`${method} ${path}: the answer is not JSON`, response.status);
    }
    if (!response.ok) {
      const detail = parsed.detail ?? parsed.title ?? parsed.message ?? text;
      const { type, title, code } = parsed as Record<string, string | undefined>;
      throw new ApiError(`${method} ${path} failed with ${response.status}: ${detail}`, response.status, {
        type,
        title,
        detail: typeof parsed.detail === 'string' ? parsed.detail : undefined,
        code,
      });
    }
    return parsed as T;
  }
}
