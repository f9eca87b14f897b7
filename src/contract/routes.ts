/**
 * Every route of the HTTP API as API Gateway keys it (`METHOD /path`): the CDK app declares exactly
 * these (lib/constructs/api.ts), the api function dispatches on them (src/adapters/http/api-router.ts).
 */
export const ROUTES = {
  /** Public (no API key): the OpenAPI document and the load-balancer health check. */
  openApi: 'GET /openapi.json',
  health: 'GET /health',
  createUpload: 'POST /uploads',
  submitJob: 'POST /jobs',
  listJobs: 'GET /jobs',
  getJob: 'GET /jobs/{id}',
  cancelJob: 'DELETE /jobs/{id}',
  listPresets: 'GET /presets',
  getPreset: 'GET /presets/{name}',
  savePreset: 'PUT /presets/{name}',
  deletePreset: 'DELETE /presets/{name}',
  similarToAsset: 'GET /assets/{id}/similar',
  similarToHash: 'POST /similar',
  createWebhook: 'POST /webhooks',
  listWebhooks: 'GET /webhooks',
  getWebhook: 'GET /webhooks/{id}',
  deleteWebhook: 'DELETE /webhooks/{id}',
  rotateWebhookSecret: 'POST /webhooks/{id}/rotate-secret',
  enableWebhook: 'POST /webhooks/{id}/enable',
  listDeliveries: 'GET /webhooks/{id}/deliveries',
  replayDelivery: 'POST /webhooks/deliveries/{id}/replay',
  createBatch: 'POST /batches',
  listBatches: 'GET /batches',
  getBatch: 'GET /batches/{id}',
  cancelBatch: 'DELETE /batches/{id}',
  batchReport: 'GET /batches/{id}/report',
  retryBatchJob: 'POST /batches/{id}/jobs/{jobId}/retry',
  cancelBatchJob: 'DELETE /batches/{id}/jobs/{jobId}',
  stats: 'GET /stats',
  listDeadLetters: 'GET /dead-letters',
  redriveDeadLetters: 'POST /dead-letters/redrive',
} as const;

export type RouteName = keyof typeof ROUTES;
export type RouteKey = (typeof ROUTES)[RouteName];
/** The routes answered without an API key. */
export const PUBLIC_ROUTES: readonly RouteKey[] = [ROUTES.openApi, ROUTES.health];

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

export function routeParts(key: RouteKey): { method: HttpVerb; path: string } {
  const [method, path] = key.split(' ') as [HttpVerb, string];
  return { method, path };
}
