import { Agent, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 (port 0 = ephemeral) and returns the base URL. */
/**
 * Idle keep-alive connections stay open 72 s (fastify's default; Node's own is 5 s). An SDK client reuses a
 * pooled socket after any pause: with a 5 s server timeout, a request sent just as the server closes the
 * socket fails with ECONNRESET (seen in CI after a 5 s gap between two tests).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed keepAliveTimeout, or Node closes the socket while a request's headers are awaited.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
}

export async function listen(server: Server, port = 0): Promise<string> {
  keepIdleConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server without waiting for keep-alive clients. */
export async function closeServer(server: Server): Promise<void> {
  // A server that stopped accepting (stopAccepting) may still hold the connections it was answering.
  if (!server.listening) return server.closeAllConnections();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

export async function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { code: 'BODY_TOO_LARGE' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ProxyTarget {
  host: string;
  port: number;
  agent: Agent;
}

export function proxyTarget(baseUrl: string): ProxyTarget {
  const url = new URL(baseUrl);
  return { host: url.hostname, port: Number(url.port), agent: new Agent({ keepAlive: true }) };
}

/**
 * Sends `req` to the target with its method, path and headers unchanged (Host included, so signatures
 * still match); the body is `body` when given, else the request stream. Resolves with the response.
 */
export function forward(target: ProxyTarget, req: IncomingMessage, body?: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (body) {
      headers['content-length'] = String(body.length);
      delete headers['transfer-encoding'];
    }
    const out = request(
      {
        host: target.host,
        port: target.port,
        agent: target.agent,
        method: req.method,
        path: req.url,
        headers,
      },
      resolve,
    );
    out.on('error', reject);
    if (body) out.end(body);
    else req.pipe(out);
  });
}

/** Copies an upstream response (status, headers, body stream) to the client. */
export function pipeResponse(upstream: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.writeHead(upstream.statusCode ?? 502, upstream.rawHeaders);
    upstream.pipe(res);
    upstream.on('end', resolve);
    upstream.on('error', () => {
      res.destroy();
      resolve();
    });
  });
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message);
}

/** An AWS JSON-protocol response (`awsJson1_0` for Step Functions, `awsJson1_1` for EventBridge and KMS). */
export function sendAwsJson(
  res: ServerResponse,
  version: '1.0' | '1.1',
  status: number,
  body: unknown,
  errorType?: string,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': `application/x-amz-json-${version}`,
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

/**
 * Closes the servers' connections once their requests are answered: idle keep-alive sockets at once and
 * again every 25 ms (a busy one turns idle after its response), every socket once `closed` settles or
 * after `deadlineMs`. Call after server.close() (which stops new connections).
 */
export async function drainConnections(servers: Server[], closed: Promise<unknown>, deadlineMs: number) {
  let done = false;
  void closed.finally(() => {
    done = true;
  });
  const until = Date.now() + deadlineMs;
  while (!done && Date.now() < until) {
    for (const server of servers) server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  for (const server of servers) server.closeAllConnections();
}
