import { describe, expect, it } from 'vitest';
import { redeliveryDelaySeconds } from '../../src/jobs/redelivery.js';

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
});
