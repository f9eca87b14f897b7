import type { Priority } from './job.js';

/**
 * Object keys are generated server-side:
 *   uploads bucket, presigned uploads:  uploads/{priority}/t/{tenant}/{jobId}/{fileName}
 *   uploads bucket, the tenant's own:   t/{tenant}/...            (sources for POST /jobs)
 *   outputs bucket:                      t/{tenant}/jobs/{jobId}/{outputName}.{ext}
 * The priority leads the upload key so that S3 event notifications (which filter by prefix) route each
 * upload straight to its priority's queue, with no router hop. Output keys are deterministic, so a
 * retried or duplicated job overwrites rather than adds.
 */
const PRIORITIES = '(urgent|high|normal|low)';
const TENANT = '([a-z0-9][a-z0-9-]{0,62})';
const JOB_ID_PATTERN = '([0-9A-HJKMNP-TV-Z]{26})';
const UPLOAD_KEY = new RegExp(`^uploads/${PRIORITIES}/t/${TENANT}/${JOB_ID_PATTERN}/([^/]+)$`);

export const UPLOADS_PREFIX = 'uploads/';
export const uploadsPrefixFor = (priority: Priority) => `${UPLOADS_PREFIX}${priority}/`;
/** Prefix every tenant object lives under (`t/{tenant}/...`); S3 events and expiry are scoped to it. */
export const TENANT_PREFIX = 't/';
export const tenantPrefix = (tenant: string) => `${TENANT_PREFIX}${tenant}/`;
/** A key no object has, inside the prefixes the api function may read: GET /health's S3 probe. */
export const HEALTH_CHECK_SUFFIX = '.health-check';

export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
  return (cleaned || 'file').slice(0, 200);
}

export const uploadKey = (tenant: string, jobId: string, fileName: string, priority: Priority = 'normal') =>
  `${uploadsPrefixFor(priority)}${tenantPrefix(tenant)}${jobId}/${safeFileName(fileName)}`;

export const outputKey = (tenant: string, jobId: string, outputName: string, ext: string) =>
  `${tenantPrefix(tenant)}jobs/${jobId}/${outputName}.${ext}`;

/** Everything a job writes to the outputs bucket (a failed or cancelled video job's partial outputs are deleted by it). */
export const jobOutputsPrefix = (tenant: string, jobId: string) => `${tenantPrefix(tenant)}jobs/${jobId}/`;

/** A video output file: `relativePath` as the transcoder wrote it (e.g. `hls/720p/seg_001.m4s`). */
export const videoOutputKey = (tenant: string, jobId: string, relativePath: string) =>
  `${jobOutputsPrefix(tenant, jobId)}${relativePath}`;

/** The transcoder's result document for one attempt (outputs or the input error), read by the finalize step. */
export const transcodeResultKey = (tenant: string, jobId: string, attempt: number) =>
  `work/${tenantPrefix(tenant)}${jobId}/transcode-${attempt}.json`;

export function parseUploadKey(
  key: string,
): { priority: Priority; tenant: string; jobId: string; fileName: string } | undefined {
  const match = UPLOAD_KEY.exec(key);
  if (!match) return undefined;
  const [, priority, tenant, jobId, fileName] = match as unknown as [
    string,
    Priority,
    string,
    string,
    string,
  ];
  return { priority, tenant, jobId, fileName };
}

/** The key is the tenant's: under its own prefix, or one of its presigned uploads. */
export function isUnderTenant(tenant: string, key: string): boolean {
  if (key.includes('..')) return false;
  if (key.startsWith(tenantPrefix(tenant))) return true;
  return parseUploadKey(key)?.tenant === tenant;
}
