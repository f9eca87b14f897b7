/** The delivery retry policy: classification, full-jitter backoff, Retry-After, the one-day window. */
import { describe, expect, it } from 'vitest';
import {
  backoffCeilingSeconds,
  DEFAULT_RETRY_POLICY,
  type Decision,
  decideNext,
  parseRetryAfter,
} from '../../src/webhooks/retry-policy.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const decide = (
  outcome: Parameters<typeof decideNext>[0]['outcome'],
  attempt = 1,
  random = () => 0.5,
  now = t0,
): Decision => decideNext({ outcome, attempt, firstAttemptAt: t0, now, random });

describe('classification', () => {
  it('2xx is delivered', () => {
    expect(decide({ status: 200 })).toEqual({ action: 'delivered' });
    expect(decide({ status: 204 })).toEqual({ action: 'delivered' });
  });

  it.each([500, 502, 503, 504, 599, 429, 408, 425])('HTTP %i is retried', (status) => {
    expect(decide({ status }).action).toBe('retry');
  });

  it('timeouts and network errors are retried', () => {
    expect(decide({ status: 0, errorKind: 'timeout' })).toMatchObject({ action: 'retry', reason: 'timeout' });
    expect(decide({ status: 0, errorKind: 'network' })).toMatchObject({
      action: 'retry',
      reason: 'network error',
    });
  });

  it('410 disables the endpoint', () => {
    expect(decide({ status: 410 })).toMatchObject({ action: 'disable' });
  });

  it.each([400, 401, 403, 404, 409, 413, 422, 100])(
    'HTTP %i goes to the dead-letter store without a retry',
    (status) => {
      expect(decide({ status })).toMatchObject({ action: 'dead-letter' });
    },
  );

  it('a redirect (not followed) and an SSRF-refused URL are dead-lettered, not retried', () => {
    expect(decide({ status: 302, errorKind: 'redirect' })).toMatchObject({
      action: 'dead-letter',
      reason: /redirect/,
    });
    expect(decide({ status: 0, errorKind: 'refused' })).toMatchObject({
      action: 'dead-letter',
      reason: /SSRF/,
    });
  });
});

describe('backoff schedule', () => {
  it('ceilings double from 30 s up to 4 h', () => {
    const ceilings = Array.from({ length: 11 }, (_, i) => backoffCeilingSeconds(i + 1));
    expect(ceilings).toEqual([30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 14400, 14400]);
  });

  it('full jitter: the delay is random() times the ceiling (at least 1 s)', () => {
    expect(decide({ status: 503 }, 4, () => 0.5)).toMatchObject({
      action: 'retry',
      delaySeconds: 120,
      nextAttempt: 5,
    });
    expect(decide({ status: 503 }, 4, () => 0.999)).toMatchObject({ delaySeconds: 239 });
    expect(decide({ status: 503 }, 4, () => 0)).toMatchObject({ delaySeconds: 1 });
    const d = decide({ status: 503 }, 1, () => 0.5);
    expect(d.action === 'retry' && d.retryAt.toISOString()).toBe('2026-01-01T00:00:15.000Z');
  });

  it('Retry-After raises the delay to at least its value, capped at 1 h', () => {
    expect(decide({ status: 429, retryAfterSeconds: 600 }, 1, () => 0.5)).toMatchObject({
      delaySeconds: 600,
    });
    expect(decide({ status: 503, retryAfterSeconds: 5 }, 10, () => 0.5)).toMatchObject({
      delaySeconds: 7200,
    });
    expect(decide({ status: 503, retryAfterSeconds: 86_400 }, 1)).toMatchObject({ delaySeconds: 3600 });
  });

  it('retries span about a day, then the delivery is dead-lettered', () => {
    // Drive the policy like the dispatcher would, always failing, with a seeded random source.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let now = t0;
    let attempt = 1;
    const delays: number[] = [];
    for (;;) {
      const d = decideNext({ outcome: { status: 503 }, attempt, firstAttemptAt: t0, now, random });
      if (d.action !== 'retry') {
        expect(d).toMatchObject({ action: 'dead-letter', reason: /window/ });
        break;
      }
      delays.push(d.delaySeconds);
      now = d.retryAt;
      attempt = d.nextAttempt;
    }
    const spanHours = (now.getTime() - t0.getTime()) / 3600_000;
    expect(spanHours).toBe(24); // the last retry is moved to the window's end
    expect(attempt).toBeGreaterThan(10);
    expect(attempt).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxAttempts);
    delays.forEach((delay, i) => {
      expect(delay).toBeLessThanOrEqual(backoffCeilingSeconds(i + 1));
    });
  });

  it('stops at maxAttempts even inside the window', () => {
    expect(decide({ status: 503 }, DEFAULT_RETRY_POLICY.maxAttempts)).toMatchObject({
      action: 'dead-letter',
    });
    const custom = decideNext({
      outcome: { status: 503 },
      attempt: 3,
      firstAttemptAt: t0,
      now: t0,
      random: () => 0.5,
      policy: { maxAttempts: 3 },
    });
    expect(custom).toMatchObject({ action: 'dead-letter', reason: /after 3 attempts/ });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['30', '60'], now)).toBe(30);
  });
  it('ignores what it cannot read', () => {
    for (const v of [undefined, '', '-5', '1.5', 'soon', '2026-01-01'])
      expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});
