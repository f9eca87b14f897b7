import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DynamoDbRateLimitStore } from '../../src/adapters/aws/dynamodb-rate-limit-store.js';

/**
 * Per-tenant rate limits on the local stack: one tenant floods the API with 1,000 parallel requests and
 * gets 429s with Retry-After and the RateLimit fields, never a 5xx, while a second tenant's requests at the
 * same moment all succeed. The flooding tenant has an operator's override (as `set-rate-limit` writes it).
 */
let pipeline: LocalPipeline;
let floodKey: string;
let calmKey: string;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  floodKey = await pipeline.createApiKey('flood');
  calmKey = await pipeline.createApiKey('calm');
  await new DynamoDbRateLimitStore({ tableName: pipeline.stack.tableName('JobsTable') }).setOverrides(
    'flood',
    {
      read: { ratePerSecond: 20, burst: 40 },
    },
  );
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
});

async function get(apiKey: string) {
  const response = await fetch(`${pipeline.apiUrl}/jobs?limit=1`, { headers: { 'x-api-key': apiKey } });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body };
}

describe('per-tenant rate limits', () => {
  it('answers a 1,000-request flood with 429s and Retry-After, no 5xx, and lets another tenant through', async () => {
    const flood = Array.from({ length: 1_000 }, () => get(floodKey));
    const calm = Array.from({ length: 50 }, () => get(calmKey));
    const [flooded, served] = await Promise.all([Promise.all(flood), Promise.all(calm)]);

    const statuses = (answers: { status: number }[]) => {
      const counts: Record<number, number> = {};
      for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    };
    const unexpected = flooded.find((a) => a.status !== 200 && a.status !== 429);
    expect(Object.keys(statuses(flooded)).sort(), `${unexpected?.status} ${unexpected?.body}`).toEqual([
      '200',
      '429',
    ]);
    const refused = flooded.filter((a) => a.status === 429);
    // At most the burst plus what refilled while the flood lasted got through.
    expect(flooded.length - refused.length).toBeLessThan(200);
    for (const answer of refused) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get('ratelimit-limit')).toBe('40');
      expect(answer.headers.get('ratelimit-remaining')).toBe('0');
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    }
    expect(statuses(served)).toEqual({ 200: 50 });
    expect(served[0]?.headers.get('ratelimit-limit')).toBe('600');

    // After the Retry-After, the flooding tenant is served again.
    await new Promise((r) => setTimeout(r, Number(refused.at(-1)?.headers.get('retry-after')) * 1000 + 100));
    expect((await get(floodKey)).status).toBe(200);
  }, 120_000);
});
