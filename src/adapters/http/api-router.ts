import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { BatchService } from '../../batches/batch-service.js';
import { DomainError, invalidRequest } from '../../core/domain-error.js';
import type { JobService } from '../../jobs/job-service.js';
import type { PresetService } from '../../presets/preset-service.js';
import type { SimilarityService } from '../../similarity/similarity-service.js';
import type { ApiKeyAuthenticator } from '../../tenants/api-keys.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import { type ProblemDetails, problem, problemFor } from './problems.js';

export interface ApiRouterDeps {
  service: JobService;
  auth: ApiKeyAuthenticator;
  presets: PresetService;
  /** Near-duplicate lookups (GET /assets/{id}/similar, POST /similar). */
  similarity?: SimilarityService;
  /** Webhook endpoints, their secrets and delivery log (the /webhooks routes). */
  webhooks?: WebhookService;
  /** Batches of jobs (the /batches routes). */
  batches?: BatchService;
  onUnexpectedError?: (error: unknown) => void;
}

type Route = (tenant: string, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * HTTP API (payload 2.0) adapter: authenticates the API key to a tenant, dispatches on the route
 * key the stack declares, and renders results as JSON and failures as problem details.
 */
export function createApiRouter(deps: ApiRouterDeps) {
  const { service } = deps;
  const routes: Record<string, Route> = {
    'POST /uploads': async (tenant, event) => {
      const result = await service.createUpload(tenant, jsonBody(event), idempotencyKey(event));
      return json(result.created ? 201 : 200, { job: result.job, upload: result.upload });
    },
    'POST /jobs': async (tenant, event) => {
      const result = await service.submit(tenant, jsonBody(event), idempotencyKey(event));
      return json(result.created ? 202 : 200, result.job, { location: `/jobs/${result.job.id}` });
    },
    'GET /jobs': async (tenant, event) =>
      json(200, await service.list(tenant, event.queryStringParameters ?? {})),
    'GET /jobs/{id}': async (tenant, event) => json(200, await service.get(tenant, pathId(event))),
    'DELETE /jobs/{id}': async (tenant, event) => json(200, await service.cancel(tenant, pathId(event))),
  };
  const { presets } = deps;
  const presetName = (event: APIGatewayProxyEventV2) => event.pathParameters?.name ?? '';
  routes['GET /presets'] = async (tenant) => json(200, await presets.list(tenant));
  routes['GET /presets/{name}'] = async (tenant, event) =>
    json(200, await presets.get(tenant, presetName(event)));
  routes['PUT /presets/{name}'] = async (tenant, event) => {
    const result = await presets.save(tenant, presetName(event), jsonBody(event));
    return json(result.created ? 201 : 200, result.preset);
  };
  routes['DELETE /presets/{name}'] = async (tenant, event) => {
    await presets.delete(tenant, presetName(event));
    return { statusCode: 204 };
  };
  const { similarity } = deps;
  if (similarity) {
    routes['GET /assets/{id}/similar'] = async (tenant, event) =>
      json(200, await similarity.similarToAsset(tenant, pathId(event), event.queryStringParameters ?? {}));
    routes['POST /similar'] = async (tenant, event) =>
      json(200, await similarity.similarToHash(tenant, jsonBody(event)));
  }
  const { webhooks } = deps;
  if (webhooks) {
    routes['POST /webhooks'] = async (tenant, event) => {
      const created = await webhooks.create(tenant, jsonBody(event));
      // The secret is in this response only: no cache may keep it.
      return json(201, created, { location: `/webhooks/${created.id}`, 'cache-control': 'no-store' });
    };
    routes['GET /webhooks'] = async (tenant) => json(200, await webhooks.list(tenant));
    routes['GET /webhooks/{id}'] = async (tenant, event) =>
      json(200, await webhooks.get(tenant, pathId(event)));
    routes['DELETE /webhooks/{id}'] = async (tenant, event) => {
      await webhooks.delete(tenant, pathId(event));
      return { statusCode: 204 };
    };
    routes['POST /webhooks/{id}/rotate-secret'] = async (tenant, event) =>
      json(200, await webhooks.rotateSecret(tenant, pathId(event), jsonBody(event)), {
        'cache-control': 'no-store',
      });
    routes['POST /webhooks/{id}/enable'] = async (tenant, event) =>
      json(200, await webhooks.enable(tenant, pathId(event)));
    routes['GET /webhooks/{id}/deliveries'] = async (tenant, event) =>
      json(200, await webhooks.listDeliveries(tenant, pathId(event), event.queryStringParameters ?? {}));
    routes['POST /webhooks/deliveries/{id}/replay'] = async (tenant, event) =>
      json(202, await webhooks.replay(tenant, pathId(event)));
  }
  if (deps.batches) addBatchRoutes(routes, deps.batches);

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const tenant = await deps.auth.tenantFor(apiKeyOf(event));
      if (!tenant) {
        return problemResponse(
          problem(401, 'Unauthorized', 'a valid API key is required (x-api-key header)'),
          {
            'www-authenticate': 'ApiKey header="x-api-key"',
          },
        );
      }
      const route = routes[event.routeKey];
      if (!route) return problemResponse(problem(404, 'Not found', `no route ${event.routeKey}`));
      return await route(tenant, event);
    } catch (error) {
      if (error instanceof DomainError) {
        const { details, headers } = problemFor(error);
        return problemResponse(details, headers);
      }
      deps.onUnexpectedError?.(error);
      return problemResponse(problem(500, 'Internal error', 'the request could not be completed'));
    }
  };
}

function addBatchRoutes(routes: Record<string, Route>, batches: BatchService): void {
  const jobId = (event: APIGatewayProxyEventV2) => event.pathParameters?.jobId ?? '';
  routes['POST /batches'] = async (tenant, event) => {
    const result = await batches.create(tenant, jsonBody(event), idempotencyKey(event));
    return json(result.created ? 202 : 200, result.batch, { location: `/batches/${result.batch.id}` });
  };
  routes['GET /batches/{id}'] = async (tenant, event) =>
    json(200, await batches.get(tenant, pathId(event), event.queryStringParameters ?? {}));
  routes['DELETE /batches/{id}'] = async (tenant, event) =>
    json(200, await batches.cancel(tenant, pathId(event)));
  routes['GET /batches/{id}/report'] = async (tenant, event) => {
    const csv =
      event.queryStringParameters?.format === 'csv' || /\btext\/csv\b/.test(event.headers?.accept ?? '');
    const body = await batches.report(tenant, pathId(event), csv ? 'csv' : 'json');
    return {
      statusCode: 200,
      headers: { 'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json' },
      body,
    };
  };
  routes['POST /batches/{id}/jobs/{jobId}/retry'] = async (tenant, event) =>
    json(202, await batches.retryJob(tenant, pathId(event), jobId(event)));
  routes['DELETE /batches/{id}/jobs/{jobId}'] = async (tenant, event) =>
    json(200, await batches.cancelJob(tenant, pathId(event), jobId(event)));
}

function apiKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  const headers = event.headers ?? {};
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return headers['x-api-key'] ?? bearer?.[1];
}

const idempotencyKey = (event: APIGatewayProxyEventV2) => event.headers?.['idempotency-key'];

function pathId(event: APIGatewayProxyEventV2): string {
  return event.pathParameters?.id ?? '';
}

function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

function problemResponse(details: ProblemDetails, headers: Record<string, string> = {}) {
  return {
    statusCode: details.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(details),
  };
}
