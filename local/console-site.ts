import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildConsole, type ConsoleFile } from '../console/build.js';
import { consoleContentSecurityPolicy } from '../console/csp.js';

export const CONSOLE_PATH = '/console';

/**
 * The console as the local API serves it at /console (the cloud serves the same files from S3 through
 * CloudFront, with the same security headers). Built in memory at start: nothing to run first.
 */
export function consoleSite(origins: { api: string; storage: string }) {
  // Built at the first request (about half a second), so a stack nobody browses pays nothing.
  let built: Promise<Map<string, ConsoleFile>> | undefined;
  const files = () => {
    built ??= buildConsole().then((map) => {
      // Same origin as the API here: config.json names no other API URL.
      map.set('config.json', { body: Buffer.from('{}\n'), contentType: 'application/json' });
      return map;
    });
    return built;
  };
  const headers = {
    'content-security-policy': consoleContentSecurityPolicy({
      api: [origins.api],
      storage: [origins.storage],
    }),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  /** Answers requests under /console; false for any other path. */
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    if (path === CONSOLE_PATH) {
      res.writeHead(301, { location: `${CONSOLE_PATH}/` });
      res.end();
      return true;
    }
    const name = path.slice(CONSOLE_PATH.length + 1) || 'index.html';
    files().then(
      (map) => {
        const file = map.get(name);
        if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(file ? 405 : 404, { 'content-type': 'text/plain' });
          res.end(file ? 'Method Not Allowed' : 'Not Found');
          return;
        }
        res.writeHead(200, {
          ...headers,
          'content-type': file.contentType,
          'content-length': file.body.length,
        });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      },
      (error: Error) => {
        console.error(`local console: the build failed: ${error.stack ?? error.message}`);
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`The console did not build: ${error.message}`);
      },
    );
    return true;
  };
}
