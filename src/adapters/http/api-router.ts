import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { BatchService } from '../../batches/batch-service.js';
import { PUBLIC_ROUTES, ROUTES, type RouteKey } from '../../contract/routes.js';
import { DomainError, invalidRequest } from '../../core/domain-error.js';
import type { HealthReport } from '../../core/health.js';
import type { JobService } from '../../jobs/job-service.js';
import type { OperationsService } from '../../operations/operations-service.js';
import type { PresetService } from '../../presets/preset-service.js';
import type { SimilarityService } from '../../similarity/similarity-service.js';
import type { ApiKeyAuthenticator } from '../../tenants/api-keys.js';
import { type RateLimitDecision, type RateLimits, routeClassOf } from '../../tenants/rate-limits.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import { openApiDocument } from './openapi/document.js';
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
  /** Statistics and dead letters (GET /stats, the /dead-letters routes). */
  operations?: OperationsService;
  /** Per-tenant rate limits by route class (src/tenants/rate-limits.ts); absent, none. */
  rateLimits?: RateLimits;
  /** GET /health (no key): the dependency checks (src/core/health.ts); absent, liveness only. */
  health?: () => Promise<HealthReport>;
  onUnexpectedError?: (error: unknown) => void;
}

type PublicRoute = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
type Route = (tenant: string, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * HTTP API (payload 2.0) adapter: authenticates the API key to a tenant, dispatches on the route
 * key the stack declares, and renders results as JSON and failures as problem details.
 */
export function createApiRouter(deps: ApiRouterDeps) {
  const { service } = deps;
  const routes: Partial<Record<RouteKey, Route>> = {
    [ROUTES.createUpload]: async (tenant, event) => {
      const result = await service.createUpload(tenant, jsonBody(event), idempotencyKey(event));
      return json(result.created ? 201 : 200, { job: result.job, upload: result.upload });
    },
    [ROUTES.submitJob]: async (tenant, event) => {
      const result = await service.submit(tenant, jsonBody(event), idempotencyKey(event));
      return json(result.created ? 202 : 200, result.job, { location: `/jobs/${result.job.id}` });
    },
    [ROUTES.listJobs]: async (tenant, event) =>
      json(200, await service.list(tenant, event.queryStringParameters ?? {})),
    [ROUTES.getJob]: async (tenant, event) => json(200, await service.get(tenant, pathId(event))),
    [ROUTES.cancelJob]: async (tenant, event) => json(200, await service.cancel(tenant, pathId(event))),
  };
  const { presets } = deps;
  const presetName = (event: APIGatewayProxyEventV2) => event.pathParameters?.name ?? '';
  routes[ROUTES.listPresets] = async (tenant) => json(200, await presets.list(tenant));
  routes[ROUTES.getPreset] = async (tenant, event) => json(200, await presets.get(tenant, presetName(event)));
  routes[ROUTES.savePreset] = async (tenant, event) => {
    const result = await presets.save(tenant, presetName(event), jsonBody(event));
    return json(result.created ? 201 : 200, result.preset);
  };
  routes[ROUTES.deletePreset] = async (tenant, event) => {
    await presets.delete(tenant, presetName(event));
    return { statusCode: 204 };
  };
  const { similarity } = deps;
  if (similarity) {
    routes[ROUTES.similarToAsset] = async (tenant, event) =>
      json(200, await similarity.similarToAsset(tenant, pathId(event), event.queryStringParameters ?? {}));
    routes[ROUTES.similarToHash] = async (tenant, event) =>
      json(200, await similarity.similarToHash(tenant, jsonBody(event)));
  }
  const { webhooks } = deps;
  if (webhooks) {
    routes[ROUTES.createWebhook] = async (tenant, event) => {
      const created = await webhooks.create(tenant, jsonBody(event));
      // The secret is in this response only: no cache may keep it.
      return json(201, created, { location: `/webhooks/${created.id}`, 'cache-control': 'no-store' });
    };
    routes[ROUTES.listWebhooks] = async (tenant) => json(200, await webhooks.list(tenant));
    routes[ROUTES.getWebhook] = async (tenant, event) => json(200, await webhooks.get(tenant, pathId(event)));
    routes[ROUTES.deleteWebhook] = async (tenant, event) => {
      await webhooks.delete(tenant, pathId(event));
      return { statusCode: 204 };
    };
    routes[ROUTES.rotateWebhookSecret] = async (tenant, event) =>
      json(200, await webhooks.rotateSecret(tenant, pathId(event), jsonBody(event)), {
        'cache-control': 'no-store',
      });
    routes[ROUTES.enableWebhook] = async (tenant, event) =>
      json(200, await webhooks.enable(tenant, pathId(event)));
    routes[ROUTES.listDeliveries] = async (tenant, event) =>
      json(200, await webhooks.listDeliveries(tenant, pathId(event), event.queryStringParameters ?? {}));
    routes[ROUTES.replayDelivery] = async (tenant, event) =>
      json(202, await webhooks.replay(tenant, pathId(event)));
  }
  if (deps.batches) addBatchRoutes(routes, deps.batches);
  const { operations } = deps;
  if (operations) {
    routes[ROUTES.stats] = async (tenant) =>
      json(200, await operations.stats(tenant), { 'cache-control': 'no-store' });
    routes[ROUTES.listDeadLetters] = async (tenant, event) =>
      json(200, await operations.listDeadLetters(tenant, event.queryStringParameters ?? {}));
    routes[ROUTES.redriveDeadLetters] = async (tenant, event) =>
      json(200, await operations.redrive(tenant, jsonBody(event)));
  }
  const publicRoutes = publicRoutesOf(deps);

  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    withEdgeHeaders(await answer(event), event);

  /** The tenant's take for this route; a limiter that fails lets the request through (availability first). */
  async function rateDecision(tenant: string, routeKey: string): Promise<RateLimitDecision | undefined> {
    if (!deps.rateLimits) return undefined;
    try {
      return await deps.rateLimits.take(tenant, routeClassOf(routeKey));
    } catch (error) {
      deps.onUnexpectedError?.(error);
      return undefined;
    }
  }

  async function answer(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    try {
      const publicRoute = publicRoutes[event.routeKey as RouteKey];
      if (publicRoute) return await publicRoute(event);
      const tenant = await deps.auth.tenantFor(apiKeyOf(event));
      if (!tenant) {
        return problemResponse(
          problem(401, 'Unauthorized', 'a valid API key is required (x-api-key header)'),
          {
            'www-authenticate': 'ApiKey header="x-api-key"',
          },
        );
      }
      const route = routes[event.routeKey as RouteKey];
      if (!route) return problemResponse(problem(404, 'Not found', `no route ${event.routeKey}`));
      const decision = await rateDecision(tenant, event.routeKey);
      if (decision && !decision.allowed) {
        return problemResponse(
          problem(429, 'Too many requests', `the ${routeClassOf(event.routeKey)} rate limit is reached`, {
            code: 'RATE_LIMITED',
          }),
          { ...rateLimitHeaders(decision), 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
      const response = await route(tenant, event);
      return decision
        ? { ...response, headers: { ...rateLimitHeaders(decision), ...response.headers } }
        : response;
    } catch (error) {
      if (error instanceof DomainError) {
        const { details, headers } = problemFor(error);
        return problemResponse(details, headers);
      }
      deps.onUnexpectedError?.(error);
      return problemResponse(problem(500, 'Internal error', 'the request could not be completed'));
    }
  }
}

/** The draft IETF RateLimit header fields. */
const rateLimitHeaders = (decision: RateLimitDecision): Record<string, string> => ({
  'ratelimit-limit': String(decision.limit),
  'ratelimit-remaining': String(decision.remaining),
  'ratelimit-reset': String(decision.resetSeconds),
});

/** HSTS for two years: the API is served over HTTPS only (API Gateway has no plain-HTTP listener). */
const HSTS = 'max-age=63072000; includeSubDomains';

/**
 * Headers every answer carries: `nosniff`, so no body is ever sniffed into something else; `no-store`
 * unless the route chose its own caching, because answers carry presigned URLs, secrets and tenant data
 * that no shared cache may keep; HSTS when the request came over HTTPS.
 */
function withEdgeHeaders(
  response: APIGatewayProxyStructuredResultV2,
  event: APIGatewayProxyEventV2,
): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string | number | boolean> = {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    ...(event.headers?.['x-forwarded-proto'] === 'http' ? {} : { 'strict-transport-security': HSTS }),
    ...response.headers,
  };
  return { ...response, headers };
}

function publicRoutesOf(deps: ApiRouterDeps): Partial<Record<RouteKey, PublicRoute>> {
  let document: ReturnType<typeof openApiDocument> | undefined;
  const routes: Partial<Record<RouteKey, PublicRoute>> = {
    [ROUTES.openApi]: async (event) => {
      document ??= openApiDocument();
      const server = serverUrlOf(event);
      return json(200, server ? { ...document, servers: [{ url: server }] } : document, {
        'cache-control': 'public, max-age=300',
      });
    },
    [ROUTES.health]: async () => {
      const report = deps.health
        ? await deps.health()
        : { status: 'pass' as const, checks: {}, time: new Date().toISOString() };
      return json(report.status === 'pass' ? 200 : 503, report, { 'cache-control': 'no-store' });
    },
  };
  for (const key of Object.keys(routes) as RouteKey[]) {
    if (!PUBLIC_ROUTES.includes(key)) throw new Error(`${key} answers without a key but is not public`);
  }
  return routes;
}

/**
 * The API's own base URL (stage path included), so the document's server is the one it came from. From
 * the domain name API Gateway matched (its own or a configured custom domain), never from a header a
 * client sets (x-forwarded-host would let anyone point a cached document, and clients' keys, elsewhere).
 */
function serverUrlOf(event: APIGatewayProxyEventV2): string | undefined {
  const domain = event.requestContext?.domainName;
  if (!domain) return undefined;
  const proto = event.headers?.['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  // API Gateway sets x-forwarded-port itself; a port other than the scheme's own is kept (the local API).
  const port = event.headers?.['x-forwarded-port'];
  const defaultPort = proto === 'http' ? '80' : '443';
  const host = port && /^\d{1,5}$/.test(port) && port !== defaultPort ? `${domain}:${port}` : domain;
  const stage = event.requestContext?.stage;
  return `${proto}://${host}${stage && stage !== '$default' ? `/${stage}` : ''}`;
}

function addBatchRoutes(routes: Partial<Record<RouteKey, Route>>, batches: BatchService): void {
  const jobId = (event: APIGatewayProxyEventV2) => event.pathParameters?.jobId ?? '';
  routes[ROUTES.createBatch] = async (tenant, event) => {
    const result = await batches.create(tenant, jsonBody(event), idempotencyKey(event));
    return json(result.created ? 202 : 200, result.batch, { location: `/batches/${result.batch.id}` });
  };
  routes[ROUTES.listBatches] = async (tenant, event) =>
    json(200, await batches.list(tenant, event.queryStringParameters ?? {}));
  routes[ROUTES.getBatch] = async (tenant, event) =>
    json(200, await batches.get(tenant, pathId(event), event.queryStringParameters ?? {}));
  routes[ROUTES.cancelBatch] = async (tenant, event) =>
    json(200, await batches.cancel(tenant, pathId(event)));
  routes[ROUTES.batchReport] = async (tenant, event) => {
    const csv =
      event.queryStringParameters?.format === 'csv' || /\btext\/csv\b/.test(event.headers?.accept ?? '');
    const body = await batches.report(tenant, pathId(event), csv ? 'csv' : 'json');
    return {
      statusCode: 200,
      headers: { 'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json' },
      body,
    };
  };
  routes[ROUTES.retryBatchJob] = async (tenant, event) =>
    json(202, await batches.retryJob(tenant, pathId(event), jobId(event)));
  routes[ROUTES.cancelBatchJob] = async (tenant, event) =>
    json(200, await batches.cancelJob(tenant, pathId(event), jobId(event)));
}

function apiKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  const headers = event.headers ?? {};
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return headers['x-api-key'] ?? bearer?.[1];
}

const idempotencyKey = (event: APIGatewayProxyEventV2) => event.headers?.['idempotency-key'];

/** Ids are ULIDs or short names: anything longer is no resource, and is not echoed back whole. */
const MAX_ID_LENGTH = 200;

function pathId(event: APIGatewayProxyEventV2): string {
  const id = event.pathParameters?.id ?? '';
  if (id.length > MAX_ID_LENGTH)
    throw new DomainError(
      'not-found',
      'NOT_FOUND',
      'Not found',
      `no resource ${id.slice(0, 40)}… (id too long)`,
    );
  return id;
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
