import { describe, expect, it } from 'vitest';
import { retryableError } from '../../src/core/errors.js';
import { redeliveryDelaySeconds, retryDelaySeconds } from '../../src/jobs/redelivery.js';

describe('redeliveryDelaySeconds', () => {
  const options = { baseSeconds: 30, maxSeconds: 150 };

  it('doubles per receive between half and all of the ceiling, capped', () => {
    const low = (n: number) => redeliveryDelaySeconds(n, { ...options, random: () => 0 });
    const high = (n: number) => redeliveryDelaySeconds(n, { ...options, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 9].map(low)).toEqual([15, 30, 60, 75, 75, 75]);
    expect([1, 2, 3, 4, 5, 9].map(high)).toEqual([30, 60, 120, 150, 150, 150]);
  });

  it('treats a missing or odd receive count as the first, and never returns less than 1 s', () => {
    expect(redeliveryDelaySeconds(Number.NaN, { ...options, random: () => 0 })).toBe(15);
    expect(redeliveryDelaySeconds(0, { ...options, random: () => 0 })).toBe(15);
    expect(redeliveryDelaySeconds(1, { baseSeconds: 1, maxSeconds: 1, random: () => 0 })).toBe(1);
    expect(redeliveryDelaySeconds(1e9, { ...options, random: () => 0.5 })).toBeLessThanOrEqual(150);
  });

  it('waits out the lease unless the worker gave its claim back', () => {
    const lease = { ...options, leaseSeconds: 150, random: () => 0 };
    const released = Object.assign(retryableError('TRANSIENT', 'throttled'), { claimReleased: true });
    expect(retryDelaySeconds(released, 1, lease)).toBe(15);
    expect(retryDelaySeconds(retryableError('TRANSIENT', 'throttled'), 1, lease)).toBe(155);
    expect(retryDelaySeconds(new Error('claim response lost'), 1, lease)).toBe(155);
  });
});
