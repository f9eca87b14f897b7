import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/adapters/http/api-router.js';
import { openApiDocument } from '../../src/adapters/http/openapi/document.js';
import type { Fits, Job } from '../../src/adapters/http/openapi/resources.js';
import { PUBLIC_ROUTES, ROUTES, routeParts } from '../../src/contract/routes.js';
import { healthChecker } from '../../src/core/health.js';
import type { JobService } from '../../src/jobs/job-service.js';
import type { PresetService } from '../../src/presets/preset-service.js';
import type { ApiKeyAuthenticator } from '../../src/tenants/api-keys.js';
import { CONSOLE_API_TYPES, OPENAPI_DOC, renderConsoleApiTypes, renderOpenApi } from '../../tools/openapi.js';
import { assertResponseMatchesContract, ContractViolation } from '../support/openapi-contract.js';

type Operation = { operationId: string; security?: unknown[]; responses: Record<string, unknown> };
const document = openApiDocument();
const operationOf = (key: (typeof ROUTES)[keyof typeof ROUTES]) => {
  const { method, path } = routeParts(key);
  return (document.paths?.[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
};

// A view with a field of the wrong type does not fit its schema: this line must not compile.
// @ts-expect-error id is a string in the Job schema
const wrongView: Fits<{ id: number }, typeof Job> = true;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const parsed = (await SwaggerParser.validate(structuredClone(document) as never)) as { openapi?: string };
    expect(parsed.openapi).toBe('3.1.0');
    expect(wrongView).toBe(true);
  });

  it('is checked in at docs/openapi.json as generated (npm run docs:openapi rewrites it)', () => {
    expect(readFileSync(OPENAPI_DOC, 'utf8')).toBe(renderOpenApi());
  });

  it('types the console’s client as generated from it (console/src/api/schema.d.ts)', async () => {
    expect(readFileSync(CONSOLE_API_TYPES, 'utf8')).toBe(await renderConsoleApiTypes());
  });

  it('documents every route once, keyed routes with the API key scheme and 401, public ones without', () => {
    const ids = new Set<string>();
    for (const [name, key] of Object.entries(ROUTES)) {
      const operation = operationOf(key);
      expect(operation?.operationId, key).toBe(name);
      ids.add(operation?.operationId as string);
      const isPublic = PUBLIC_ROUTES.includes(key);
      expect(operation?.security, key).toEqual(isPublic ? [] : [{ apiKey: [] }, { bearer: [] }]);
      expect(Object.hasOwn(operation?.responses ?? {}, '401'), key).toBe(!isPublic);
      expect(Object.hasOwn(operation?.responses ?? {}, '500'), key).toBe(true);
    }
    expect(ids.size).toBe(Object.keys(ROUTES).length);
    expect(Object.keys(document.components?.securitySchemes ?? {})).toEqual(['apiKey', 'bearer']);
    const upload = operationOf(ROUTES.createUpload) as unknown as { parameters: { name: string }[] };
    expect(upload.parameters.map((p) => p.name)).toContain('idempotency-key');
  });

  it('the contract validator refuses undocumented statuses, media types and bodies', () => {
    const problem = { type: 'https://x', title: 'Not found', status: 404 };
    assertResponseMatchesContract('GET', '/jobs/abc', {
      status: 404,
      contentType: 'application/problem+json',
      body: problem,
    });
    const violations = [
      { status: 418, contentType: 'application/problem+json', body: problem },
      { status: 404, contentType: 'text/html', body: '<h1>404</h1>' },
      { status: 404, contentType: 'application/problem+json', body: { title: 'no type' } },
      { status: 200, contentType: 'application/json', body: { id: 'x', status: 'DONE' } },
    ];
    for (const response of violations) {
      expect(() => assertResponseMatchesContract('GET', '/jobs/abc', response)).toThrow(ContractViolation);
    }
    expect(() =>
      assertResponseMatchesContract('GET', '/nowhere', { status: 200, contentType: '', body: '' }),
    ).toThrow(/not in the OpenAPI document/);
  });
});

describe('public routes', () => {
  const router = (health?: () => ReturnType<ReturnType<typeof healthChecker>>) =>
    createApiRouter({
      service: {} as JobService,
      presets: {} as PresetService,
      auth: { tenantFor: async () => undefined } as unknown as ApiKeyAuthenticator,
      health,
    });
  const call = (handler: ReturnType<typeof router>, routeKey: string, headers: Record<string, string> = {}) =>
    handler({
      routeKey,
      headers,
      requestContext: { stage: '$default', domainName: 'api.example.com' },
    } as unknown as APIGatewayProxyEventV2);

  it('GET /openapi.json needs no key and names the server it was asked on', async () => {
    const response = await call(router(), ROUTES.openApi, { 'x-forwarded-host': 'evil.example' });
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(String(response.body));
    // The domain API Gateway matched, never a header the client chose.
    expect(body.servers).toEqual([{ url: 'https://api.example.com' }]);
    expect(body.paths['/jobs']).toBeDefined();
    expect((await call(router(), ROUTES.listJobs)).statusCode).toBe(401);
  });

  it('GET /health answers 200 when every probe passes and 503 when one fails', async () => {
    const passing = healthChecker([{ name: 'a', check: async () => {} }]);
    const ok = await call(router(passing), ROUTES.health);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(String(ok.body))).toMatchObject({ status: 'pass', checks: { a: { status: 'pass' } } });
    const failing = healthChecker([
      { name: 'a', check: async () => {} },
      {
        name: 'b',
        check: async () =>
          Promise.reject(
            Object.assign(new Error('User arn:aws:iam::123456789012:role/api is not authorized'), {
              name: 'AccessDeniedException',
            }),
          ),
      },
    ]);
    const down = await call(router(failing), ROUTES.health);
    expect(down.statusCode).toBe(503);
    // Unauthenticated: no account, role or resource names in the answer.
    expect(String(down.body)).not.toContain('arn:aws');
    expect(JSON.parse(String(down.body))).toMatchObject({
      status: 'fail',
      checks: { a: { status: 'pass' }, b: { status: 'fail', error: 'AccessDeniedException' } },
    });
  });
});

describe('healthChecker', () => {
  it('fails a probe that does not answer within the timeout, and aborts it', async () => {
    let aborted = false;
    const check = healthChecker(
      [
        {
          name: 'slow',
          check: (signal) =>
            new Promise<void>(() => {
              signal.addEventListener('abort', () => {
                aborted = true;
              });
            }),
        },
      ],
      { timeoutMs: 50 },
    );
    const report = await check();
    expect(report.status).toBe('fail');
    expect(report.checks.slow?.error).toBe('TimeoutError');
    expect(aborted).toBe(true);
  });

  it('shares one run between callers within the cache period, and probes again after it', async () => {
    let now = 1_000;
    let runs = 0;
    const check = healthChecker(
      [
        {
          name: 'counted',
          check: async () => {
            runs++;
          },
        },
      ],
      { cacheMs: 5000, now: () => now },
    );
    await Promise.all([check(), check(), check()]);
    now += 4999;
    await check();
    expect(runs).toBe(1);
    now += 1;
    await check();
    expect(runs).toBe(2);
  });
});
