import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/adapters/http/api-router.js';
import { DomainError } from '../../src/core/domain-error.js';
import type { JobService } from '../../src/jobs/job-service.js';
import type { PresetService } from '../../src/presets/preset-service.js';
import type { ApiKeyAuthenticator } from '../../src/tenants/api-keys.js';

// The router's edge headers and bounded error bodies; the use cases are stubs that answer or refuse.
const router = createApiRouter({
  service: {
    get: async (_tenant: string, id: string) => {
      throw new DomainError('not-found', 'NOT_FOUND', 'Not found', `no job ${id}`);
    },
    list: async () => ({ jobs: [] }),
    createUpload: async () => ({
      created: true,
      job: { id: 'j1' },
      upload: { url: 'https://uploads.example/presigned', fields: { policy: 'p' } },
    }),
  } as unknown as JobService,
  presets: {} as PresetService,
  auth: { tenantFor: async (key?: string) => (key === 'good' ? 'acme' : undefined) } as ApiKeyAuthenticator,
});

async function call(routeKey: string, options: { id?: string; key?: string; proto?: string } = {}) {
  const response = await router({
    routeKey,
    headers: {
      'x-api-key': options.key ?? 'good',
      ...(options.proto ? { 'x-forwarded-proto': options.proto } : {}),
    },
    pathParameters: options.id === undefined ? undefined : { id: options.id },
    body: routeKey.startsWith('POST') ? '{}' : undefined,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2);
  return { status: response.statusCode, headers: response.headers ?? {}, body: String(response.body ?? '') };
}

describe('API edge headers', () => {
  it('sends nosniff, no-store and HSTS on every answer: success, problem, unauthorized and public', async () => {
    const answers = [
      await call('GET /jobs'),
      await call('GET /jobs/{id}', { id: 'missing' }),
      await call('GET /jobs', { key: 'wrong' }),
      await call('GET /health'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 401, 200]);
    for (const answer of answers) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    }
  });

  it('never lets a cache keep an answer with a presigned URL, and keeps a route’s own caching', async () => {
    const upload = await call('POST /uploads');
    expect(upload.status).toBe(201);
    expect(upload.body).toContain('presigned');
    expect(upload.headers['cache-control']).toBe('no-store');
    const openapi = await call('GET /openapi.json');
    expect(openapi.headers['cache-control']).toBe('public, max-age=300');
  });

  it('sends no HSTS over plain HTTP (the local stack)', async () => {
    const answer = await call('GET /jobs', { proto: 'http' });
    expect(answer.headers['strict-transport-security']).toBeUndefined();
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers an over-long id with a 404 that does not echo it whole', async () => {
    const id = 'A'.repeat(5_000);
    const answer = await call('GET /jobs/{id}', { id });
    expect(answer.status).toBe(404);
    expect(answer.body.length).toBeLessThan(600);
    expect(answer.body).not.toContain('A'.repeat(201));
    const detail = JSON.parse(answer.body).detail as string;
    expect(detail).toContain('id too long');
  });
});
