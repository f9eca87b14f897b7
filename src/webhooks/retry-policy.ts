/**
 * What happens after a delivery attempt: delivered, retry at T, dead-letter, or disable the endpoint.
 * A pure function of the attempt's result, the attempt number, the time of the first attempt and an
 * injected random source.
 *
 * Schedule (defaults): exponential backoff with full jitter. Before retry n (n = 1, 2, …) the delay is
 * `random() * min(maxDelay, baseDelay * 2^(n-1))`, never below 1 s, with baseDelay 30 s and maxDelay
 * 4 h, so the ceilings are 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, 64 min, 128 min, then 4 h.
 * Retries stop when the 24 h window since the first attempt is used up: a retry that would land past
 * the window is moved to the window's end (one last try about a day after the first), and the attempt
 * after that goes to the dead-letter store; at most 30 attempts in all. An endpoint that is down for an
 * hour therefore gets the delivery within about two hours (64-128 min ceilings) of recovering.
 * A Retry-After header (seconds or an HTTP date) raises the delay to at least its value, capped at
 * maxRetryAfter (1 h), so a receiver cannot park deliveries for longer than that.
 *
 * Classification: 2xx delivered; 408, 425, 429, 5xx, timeouts and network errors retry; 410 Gone disables
 * the endpoint (and dead-letters the delivery); every other status (other 4xx, 3xx redirects, 1xx) and
 * refused URLs (SSRF policy) dead-letter at once: repeating the same request would get the same answer.
 */
export interface AttemptOutcome {
  status: number;
  errorKind?: 'refused' | 'timeout' | 'network' | 'redirect';
  retryAfterSeconds?: number;
}

export interface RetryPolicyOptions {
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Retries stop this long after the first attempt. */
  windowSeconds: number;
  maxAttempts: number;
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  baseDelaySeconds: 30,
  maxDelaySeconds: 4 * 3600,
  windowSeconds: 24 * 3600,
  maxAttempts: 30,
  maxRetryAfterSeconds: 3600,
};

export type Decision =
  | { action: 'delivered' }
  | { action: 'retry'; delaySeconds: number; retryAt: Date; nextAttempt: number; reason: string }
  | { action: 'dead-letter'; reason: string }
  | { action: 'disable'; reason: string };

export interface DecideInput {
  outcome: AttemptOutcome;
  /** The attempt just made, 1-based. */
  attempt: number;
  firstAttemptAt: Date;
  now: Date;
  /** [0, 1); Math.random in production, fixed in tests. */
  random: () => number;
  policy?: Partial<RetryPolicyOptions>;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** Why the outcome is worth retrying, or undefined when it is final. */
function retryReason(outcome: AttemptOutcome): string | undefined {
  if (outcome.errorKind === 'timeout') return 'timeout';
  if (outcome.errorKind === 'network') return 'network error';
  if (outcome.status >= 500 && outcome.status <= 599) return `HTTP ${outcome.status}`;
  if (RETRYABLE_STATUS.has(outcome.status)) return `HTTP ${outcome.status}`;
  return undefined;
}

/** The ceiling of the jittered delay before retry n (1-based). */
export function backoffCeilingSeconds(
  retry: number,
  policy: RetryPolicyOptions = DEFAULT_RETRY_POLICY,
): number {
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, retry - 1));
}

export function decideNext(input: DecideInput): Decision {
  const policy = { ...DEFAULT_RETRY_POLICY, ...input.policy };
  const { outcome, attempt } = input;
  if (outcome.errorKind === 'refused')
    return { action: 'dead-letter', reason: 'URL refused by the SSRF policy' };
  if (outcome.status === 410) return { action: 'disable', reason: 'HTTP 410 Gone: endpoint disabled' };
  if (!outcome.errorKind && outcome.status >= 200 && outcome.status <= 299) return { action: 'delivered' };
  const reason = retryReason(outcome);
  if (!reason) {
    const what =
      outcome.errorKind === 'redirect'
        ? `redirect (HTTP ${outcome.status}) not followed`
        : `HTTP ${outcome.status}`;
    return { action: 'dead-letter', reason: `${what}: not retryable` };
  }
  if (attempt >= policy.maxAttempts)
    return { action: 'dead-letter', reason: `${reason} after ${attempt} attempts` };
  const elapsed = (input.now.getTime() - input.firstAttemptAt.getTime()) / 1000;
  const remaining = policy.windowSeconds - elapsed;
  if (remaining <= 0)
    return { action: 'dead-letter', reason: `${reason}; retry window of ${policy.windowSeconds} s used up` };
  const jittered = Math.max(1, Math.floor(input.random() * backoffCeilingSeconds(attempt, policy)));
  const retryAfter =
    outcome.retryAfterSeconds === undefined
      ? 0
      : Math.min(outcome.retryAfterSeconds, policy.maxRetryAfterSeconds);
  const delaySeconds = Math.min(Math.max(jittered, Math.ceil(retryAfter)), Math.ceil(remaining));
  return {
    action: 'retry',
    delaySeconds,
    retryAt: new Date(input.now.getTime() + delaySeconds * 1000),
    nextAttempt: attempt + 1,
    reason,
  };
}

/**
 * A Retry-After header as seconds from `nowMs`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Dates in the past give 0; anything unparsable gives undefined.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
