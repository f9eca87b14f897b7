/**
 * Object keys are generated server-side and always live under the tenant's prefix:
 *   uploads bucket: t/{tenant}/uploads/{jobId}/{fileName}
 *   outputs bucket: t/{tenant}/jobs/{jobId}/{outputName}.{ext}
 * Output keys are deterministic, so a retried or duplicated job overwrites rather than adds.
 */
const UPLOAD_KEY = /^t\/([a-z0-9][a-z0-9-]{0,62})\/uploads\/([0-9A-HJKMNP-TV-Z]{26})\/([^/]+)$/;

export const tenantPrefix = (tenant: string) => `t/${tenant}/`;

export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
  return (cleaned || 'file').slice(0, 200);
}

export const uploadKey = (tenant: string, jobId: string, fileName: string) =>
  `${tenantPrefix(tenant)}uploads/${jobId}/${safeFileName(fileName)}`;

export const outputKey = (tenant: string, jobId: string, outputName: string, ext: string) =>
  `${tenantPrefix(tenant)}jobs/${jobId}/${outputName}.${ext}`;

export function parseUploadKey(key: string): { tenant: string; jobId: string; fileName: string } | undefined {
  const match = UPLOAD_KEY.exec(key);
  if (!match) return undefined;
  const [, tenant, jobId, fileName] = match as unknown as [string, string, string, string];
  return { tenant, jobId, fileName };
}

export const isUnderTenant = (tenant: string, key: string) =>
  key.startsWith(tenantPrefix(tenant)) && !key.includes('..');
