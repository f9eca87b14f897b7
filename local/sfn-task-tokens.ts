import { randomBytes, randomUUID } from 'node:crypto';
import type { Json } from './template.js';

/**
 * Task tokens of `.waitForTaskToken` Task states: minted per task attempt, completed once by SendTaskSuccess /
 * SendTaskFailure, kept alive by SendTaskHeartbeat, discarded when the task times out or its execution ends.
 */

/**
 * What sfn-definitions.ts puts in Parameters where `$$.Task.Token` was: aws-local-stepfunctions' context object
 * is fixed for the whole run, so the token is substituted into the task's effective input instead.
 */
export const TASK_TOKEN_PLACEHOLDER = `local-sfn-task-token:${randomUUID()}`;

/** setTimeout's ceiling: a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const TOKEN_BYTES = 384;
// base64url without padding: AWS tokens are opaque strings of several hundred characters too.
const TOKEN_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((TOKEN_BYTES * 4) / 3)}}$`);

export type TaskOutcome =
  | { kind: 'success'; output: Json }
  | { kind: 'failure'; error: string; cause: string }
  | { kind: 'expired'; reason: 'heartbeat' | 'timeout' | 'stopped' | 'abandoned'; seconds?: number };

export type TokenLookup = 'ok' | 'malformed' | 'unknown';

export interface TaskTokenWait {
  token: string;
  /** Settles (never rejects) with the first of: a completion, a timeout, the end of the execution, `abandon()`. */
  outcome: Promise<TaskOutcome>;
  /** Gives the wait up (the call that was to hand the token out failed); the token is discarded. */
  abandon(): void;
}

export interface TaskTokenOptions {
  /** Aborts when the execution ends: the token is discarded. */
  signal: AbortSignal;
  heartbeatSeconds?: number;
  /** The state's TimeoutSeconds (the library fails the task; this discards the token at the same moment). */
  timeoutSeconds?: number;
}

interface PendingTask {
  settle(outcome: TaskOutcome): void;
  heartbeat(): void;
}

export class TaskTokens {
  private readonly pending = new Map<string, PendingTask>();

  open(options: TaskTokenOptions): TaskTokenWait {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    let resolve: (outcome: TaskOutcome) => void = () => undefined;
    const promise = new Promise<TaskOutcome>((r) => {
      resolve = r;
    });
    const timers: { heartbeat?: NodeJS.Timeout; timeout?: NodeJS.Timeout } = {};
    const settle = (outcome: TaskOutcome) => {
      if (!this.pending.delete(token)) return;
      clearTimeout(timers.heartbeat);
      clearTimeout(timers.timeout);
      options.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => settle({ kind: 'expired', reason: 'stopped' });
    const timer = (seconds: number, reason: 'heartbeat' | 'timeout') => {
      const handle = setTimeout(
        () => settle({ kind: 'expired', reason, seconds }),
        Math.min(seconds * 1000, MAX_TIMER_MS),
      );
      handle.unref();
      return handle;
    };
    const { heartbeatSeconds, timeoutSeconds } = options;
    const heartbeat = () => {
      if (heartbeatSeconds === undefined) return;
      clearTimeout(timers.heartbeat);
      timers.heartbeat = timer(heartbeatSeconds, 'heartbeat');
    };
    this.pending.set(token, { settle, heartbeat });
    if (options.signal.aborted) onAbort();
    else {
      options.signal.addEventListener('abort', onAbort, { once: true });
      heartbeat();
      if (timeoutSeconds !== undefined) timers.timeout = timer(timeoutSeconds, 'timeout');
    }
    return { token, outcome: promise, abandon: () => settle({ kind: 'expired', reason: 'abandoned' }) };
  }

  /** SendTaskSuccess: `output` is the task's result. */
  succeed(token: string, output: Json): TokenLookup {
    return this.with(token, (task) => task.settle({ kind: 'success', output }));
  }

  /** SendTaskFailure: the task fails with `error` (what Retry/Catch match) and `cause`. */
  fail(token: string, error: string, cause: string): TokenLookup {
    return this.with(token, (task) => task.settle({ kind: 'failure', error, cause }));
  }

  /** SendTaskHeartbeat: restarts the HeartbeatSeconds clock (if the state has one). */
  heartbeat(token: string): TokenLookup {
    return this.with(token, (task) => task.heartbeat());
  }

  private with(token: string, action: (task: PendingTask) => void): TokenLookup {
    const task = this.pending.get(token);
    if (task) {
      action(task);
      return 'ok';
    }
    return TOKEN_SHAPE.test(token) ? 'unknown' : 'malformed';
  }
}

/** `input` with every occurrence of the placeholder replaced by `token` (strings at any depth). */
export function withTaskToken(input: Json, token: string): Json {
  if (typeof input === 'string') return input.split(TASK_TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(input)) return input.map((item) => withTaskToken(item, token));
  if (input && typeof input === 'object')
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, withTaskToken(v as Json, token)]));
  return input;
}
