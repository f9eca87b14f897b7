/**
 * The console's Content-Security-Policy, one definition for the cloud site (CloudFront response headers,
 * lib/constructs/console-site.ts) and the local one (local/console-site.ts): its own scripts and styles
 * only, API calls and media from the API and storage origins given, and never inside a frame.
 */
export function consoleContentSecurityPolicy(origins: { api: string[]; storage: string[] }): string {
  const api = origins.api.join(' ');
  const storage = origins.storage.join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${storage}`,
    // hls.js feeds segments to the video element through MediaSource blob: URLs.
    `media-src 'self' blob: ${storage}`,
    `connect-src 'self' ${api} ${storage}`,
    // hls.js runs its transmuxer in a worker made from a blob: URL.
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
