import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { PUBLIC_ROUTES, ROUTES, type RouteName, routeParts } from '../../../contract/routes.js';
import { OPERATIONS } from './operations.js';
import { Problem } from './resources.js';

export const API_VERSION = '1.0.0';

const PROBLEM_TITLES: Record<number, string> = {
  400: 'The request is not valid (see errors)',
  401: 'No valid API key',
  403: 'The request names something outside the tenant',
  404: 'Not found',
  409: 'Conflicts with the current state (or an Idempotency-Key reused with another body)',
  413: 'Too large',
  415: 'Unsupported media type',
  422: 'Well-formed but cannot be carried out',
  429: 'A tenant quota is reached (see Retry-After)',
  500: 'Internal error',
  503: 'A dependency does not answer',
};

/**
 * Answers API Gateway itself gives before or instead of the function (throttled, body too large,
 * function failed or timed out, not ready): a JSON `message`, not problem details.
 */
const GATEWAY_STATUSES = [429, 500, 503];
const GatewayMessage = z.object({ message: z.string() }).meta({ id: 'GatewayMessage' });

function errorResponse(status: number, problemDetails: boolean, fromGateway: boolean) {
  return {
    description: PROBLEM_TITLES[status] ?? 'Problem',
    content: {
      ...(problemDetails ? { 'application/problem+json': { schema: Problem } } : {}),
      ...(fromGateway ? { 'application/json': { schema: GatewayMessage } } : {}),
    },
    ...(status === 429 && problemDetails ? { headers: z.object({ 'retry-after': z.string() }) } : {}),
  };
}

function operationObject(name: RouteName): ZodOpenApiOperationObject {
  const key = ROUTES[name];
  const operation = OPERATIONS[key];
  const isPublic = PUBLIC_ROUTES.includes(key);
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const response of operation.responses) {
    const content = {
      ...(response.body ? { 'application/json': { schema: response.body } } : {}),
      ...Object.fromEntries(
        Object.entries(response.alternatives ?? {}).map(([type, schema]) => [type, { schema }]),
      ),
    };
    responses[String(response.status)] = {
      description: response.description,
      ...(Object.keys(content).length > 0 ? { content } : {}),
    };
  }
  // Every keyed route is rate-limited per tenant (429 with Retry-After).
  const problems = new Set([...operation.problems, ...(isPublic ? [] : [401, 429]), 500]);
  const gateway = new Set([...GATEWAY_STATUSES, ...(operation.body ? [413] : [])]);
  for (const status of [...new Set([...problems, ...gateway])].sort()) {
    if (responses[String(status)]) continue; // the route's own answer (GET /health's 503)
    responses[String(status)] = errorResponse(status, problems.has(status), gateway.has(status));
  }
  return {
    operationId: name,
    summary: operation.summary,
    tags: [operation.tag],
    security: isPublic ? [] : [{ apiKey: [] }, { bearer: [] }],
    requestParams: {
      ...(operation.pathParams ? { path: operation.pathParams } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(operation.idempotent
        ? {
            header: z.object({
              'idempotency-key': z.string().min(1).max(255).optional().meta({
                description: 'A retry with the same key and body returns the first result',
              }),
            }),
          }
        : {}),
    },
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.bodyOptional,
            content: { 'application/json': { schema: operation.body } },
          },
        }
      : {}),
    responses: responses as ZodOpenApiResponsesObject,
  };
}

/** The OpenAPI 3.1 document of the HTTP API, generated from the contract's routes and the zod schemas. */
export function openApiDocument(serverUrl?: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const { method, path } = routeParts(ROUTES[name]);
    paths[path] = { ...paths[path], [method.toLowerCase()]: operationObject(name) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'media-pipeline',
      version: API_VERSION,
      description:
        'Upload media, process images and video, and follow jobs, batches and webhooks. Errors are RFC 9457 problem details.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    tags: [
      { name: 'jobs' },
      { name: 'batches' },
      { name: 'presets' },
      { name: 'similarity' },
      { name: 'webhooks' },
      { name: 'operations' },
      { name: 'meta' },
    ],
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The API key as a bearer token' },
      },
    },
    paths,
  });
}
