import { describe, expect, it } from 'vitest';
import {
  BatchPlanError,
  BatchRequest,
  countJobs,
  estimateSecondsLeft,
  planLevels,
} from '../../src/batches/batch.js';

const job = (ref: string, dependsOn?: string[]) => ({ ref, dependsOn });

describe('batch plan', () => {
  it('puts independent jobs in one level and a chain A→B→C in three', () => {
    expect(planLevels([job('a'), job('b'), job('c')])).toEqual([['a', 'b', 'c']]);
    expect(planLevels([job('c', ['b']), job('b', ['a']), job('a')])).toEqual([['a'], ['b'], ['c']]);
  });

  it('places a job after all of its dependencies (diamond)', () => {
    const levels = planLevels([job('d', ['b', 'c']), job('b', ['a']), job('c', ['a']), job('a')]);
    expect(levels).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('refuses cycles, naming the jobs on them, and leaves independent jobs out of the message', () => {
    const attempt = () => planLevels([job('free'), job('a', ['c']), job('b', ['a']), job('c', ['b'])]);
    expect(attempt).toThrow(BatchPlanError);
    try {
      attempt();
    } catch (error) {
      expect((error as BatchPlanError).details.refs?.sort()).toEqual(['a', 'b', 'c']);
      expect((error as Error).message).toMatch(/cycle/);
    }
  });

  it('refuses self, unknown and duplicate references', () => {
    expect(() => planLevels([job('a', ['a'])])).toThrow(/depends on itself/);
    expect(() => planLevels([job('a', ['ghost'])])).toThrow(/unknown job ghost/);
    expect(() => planLevels([job('a'), job('a')])).toThrow(/duplicate job ref a/);
  });

  it('plans 10,000 jobs in a long chain without recursion limits', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => job(`j${i}`, i ? [`j${i - 1}`] : undefined));
    const levels = planLevels(chain);
    expect(levels).toHaveLength(10_000);
    expect(levels[9_999]).toEqual(['j9999']);
  });
});

describe('batch request', () => {
  const base = { name: 'spring catalogue', jobs: [{ ref: 'a', source: { key: 't/acme/a.jpg' } }] };

  it('applies defaults and bounds maxConcurrency to 1-64', () => {
    expect(BatchRequest.parse(base)).toMatchObject({ priority: 'normal', maxConcurrency: 4 });
    expect(BatchRequest.safeParse({ ...base, maxConcurrency: 0 }).success).toBe(false);
    expect(BatchRequest.safeParse({ ...base, maxConcurrency: 65 }).success).toBe(false);
  });

  it('refuses an empty batch, more than 10,000 jobs, bad refs and a startAt that is no timestamp', () => {
    expect(BatchRequest.safeParse({ ...base, jobs: [] }).success).toBe(false);
    const many = Array.from({ length: 10_001 }, (_, i) => ({ ref: `j${i}`, source: { key: 'k' } }));
    expect(BatchRequest.safeParse({ ...base, jobs: many }).success).toBe(false);
    expect(BatchRequest.safeParse({ ...base, jobs: [{ ref: 'a b', source: { key: 'k' } }] }).success).toBe(
      false,
    );
    expect(BatchRequest.safeParse({ ...base, startAt: 'tomorrow' }).success).toBe(false);
    expect(BatchRequest.safeParse({ ...base, startAt: '2030-01-01T00:00:00Z' }).success).toBe(true);
  });
});

describe('batch aggregates', () => {
  it('counts per state and percent complete from the jobs', () => {
    expect(countJobs(['COMPLETED', 'FAILED', 'PROCESSING', 'QUEUED'])).toEqual({
      total: 4,
      byStatus: { COMPLETED: 1, FAILED: 1, PROCESSING: 1, QUEUED: 1 },
      percentComplete: 50,
    });
  });

  it('estimates the time left from observed throughput', () => {
    expect(estimateSecondsLeft(0, [10_000], 5)).toBeUndefined();
    // Two jobs done in 20 s: 10 s per job, 6 left.
    expect(estimateSecondsLeft(0, [10_000, 20_000], 6)).toBe(60);
    expect(estimateSecondsLeft(0, [10_000, 20_000], 0)).toBe(0);
  });
});
