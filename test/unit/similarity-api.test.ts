import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/adapters/http/api-router.js';
import type { JobService } from '../../src/jobs/job-service.js';
import type { PresetService } from '../../src/presets/preset-service.js';
import { InMemoryHashIndexStore } from '../../src/similarity/in-memory-hash-index.js';
import { NearDuplicateIndex } from '../../src/similarity/near-duplicates.js';
import { SimilarityService } from '../../src/similarity/similarity-service.js';
import type { ApiKeyAuthenticator } from '../../src/tenants/api-keys.js';

// Not an adapter test: the router and the use case over the in-memory index; auth is stubbed.
const BASE = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const flip = (hex: string, bits: number) => {
  const value = BigInt(`0x${hex}`) ^ ((1n << BigInt(bits)) - 1n);
  return value.toString(16).padStart(64, '0');
};

async function setup() {
  const index = new NearDuplicateIndex(new InMemoryHashIndexStore());
  await index.add('acme', { assetId: 'original', pdq: { hash: BASE, quality: 100 } });
  await index.add('acme', { assetId: 'near', pdq: { hash: flip(BASE, 10), quality: 90 } });
  await index.add('acme', { assetId: 'far', pdq: { hash: flip(BASE, 40), quality: 90 } });
  await index.add('acme', { assetId: 'blurry', pdq: { hash: flip(BASE, 2), quality: 20 } });
  await index.add('other', { assetId: 'theirs', pdq: { hash: BASE, quality: 100 } });
  const keys: Record<string, string> = { 'key-acme': 'acme' };
  const router = createApiRouter({
    service: {} as JobService,
    presets: {} as PresetService,
    auth: { tenantFor: async (key?: string) => (key ? keys[key] : undefined) } as ApiKeyAuthenticator,
    similarity: new SimilarityService(index),
  });
  return async (
    routeKey: string,
    options: { id?: string; query?: Record<string, string>; body?: unknown },
  ) => {
    const response = await router({
      routeKey,
      headers: { 'x-api-key': 'key-acme' },
      pathParameters: options.id ? { id: options.id } : undefined,
      queryStringParameters: options.query,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2);
    return { status: response.statusCode, body: JSON.parse(String(response.body)) };
  };
}

describe('similarity API', () => {
  it('finds an asset’s near duplicates of the same tenant, nearest first, within maxDistance', async () => {
    const call = await setup();
    const found = await call('GET /assets/{id}/similar', { id: 'original' });
    expect(found.status).toBe(200);
    expect(found.body.matches).toEqual([{ assetId: 'near', distance: 10, quality: 90 }]);

    const tight = await call('GET /assets/{id}/similar', { id: 'original', query: { maxDistance: '5' } });
    expect(tight.body.matches).toEqual([]);
    const withBlurry = await call('GET /assets/{id}/similar', {
      id: 'original',
      query: { includeLowQuality: 'true' },
    });
    expect(withBlurry.body.matches.map((m: { assetId: string }) => m.assetId)).toEqual(['blurry', 'near']);
  });

  it('looks up a posted PDQ hash', async () => {
    const call = await setup();
    const found = await call('POST /similar', { body: { pdq: { hash: flip(BASE, 3) } } });
    expect(found.status).toBe(200);
    expect(
      found.body.matches.map((m: { assetId: string; distance: number }) => [m.assetId, m.distance]),
    ).toEqual([
      ['original', 3],
      ['near', 7],
    ]);
  });

  it('answers problems for unknown assets, bad hashes and out-of-range distances', async () => {
    const call = await setup();
    expect((await call('GET /assets/{id}/similar', { id: 'theirs' })).status).toBe(404);
    const badHash = await call('POST /similar', { body: { pdq: { hash: 'xyz' } } });
    expect(badHash).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    const beyond = await call('GET /assets/{id}/similar', { id: 'original', query: { maxDistance: '32' } });
    expect(beyond.status).toBe(400);
    const unknownField = await call('POST /similar', { body: { pdq: { hash: BASE }, radius: 3 } });
    expect(unknownField.status).toBe(400);
  });
});
