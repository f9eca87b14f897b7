/**
 * One webhook delivery attempt, SSRF-safe: the URL and every address its host resolves to are vetted
 * (address-policy.ts), then the socket connects to the vetted address itself (a custom `lookup` that
 * returns it, so DNS cannot rebind between the check and the connect); TLS still verifies the
 * certificate for the URL's host name (SNI and Host header are the original host). Redirects are never
 * followed: a 3xx is reported as a failed attempt. The response body is read (up to a small limit)
 * and discarded.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkWebhookUrl, type Stage, vetAddresses, WebhookUrlRefused } from './address-policy.js';
import { parseRetryAfter } from './retry-policy.js';

export const DEFAULT_TIMEOUT_MS = 12_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export type Resolver = (hostname: string) => Promise<string[]>;

/** The system resolver, every address (v4 and v6) in the order the OS returns them. */
export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface SendOptions {
  /** 'local' allows http and loopback; every other stage is https to global unicast only. */
  stage: Stage;
  /** Whole-attempt deadline (connect, headers and body); default 12 s. */
  timeoutMs?: number;
  /** DNS lookup, injectable for tests. */
  resolve?: Resolver;
  userAgent?: string;
  /** Extra trusted CA certificates (PEM), replacing the defaults: for tests and local receivers only. */
  ca?: string | Buffer;
  /** For tests and clocks: defaults to Date.now. */
  now?: () => number;
}

export type SendErrorKind = 'refused' | 'timeout' | 'network' | 'redirect';

export interface SendResult {
  /** HTTP status, or 0 when no response was received. */
  status: number;
  /** From a Retry-After header (seconds or HTTP date), as seconds from now. */
  retryAfterSeconds?: number;
  durationMs: number;
  error?: string;
  errorKind?: SendErrorKind;
  /** The first bytes of the response body, for the delivery log. */
  responseSnippet?: string;
}

/** Sends one POST. Never throws: every failure is a result. */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const elapsed = () => Math.max(0, now() - started);
  let address: string;
  let checked: ReturnType<typeof checkWebhookUrl>;
  try {
    checked = checkWebhookUrl(url, options.stage);
    const addresses = checked.literal
      ? [checked.literal]
      : options.stage === 'local' && checked.host === 'localhost'
        ? ['127.0.0.1']
        : await (options.resolve ?? systemResolver)(checked.host);
    address = vetAddresses(checked, addresses, options.stage);
  } catch (error) {
    const refused = error instanceof WebhookUrlRefused;
    return {
      status: 0,
      durationMs: elapsed(),
      errorKind: refused ? 'refused' : 'network',
      error: refused ? error.message : `DNS lookup failed: ${(error as Error).message}`,
    };
  }
  return request(checked.url, checked.host, address, headers, body, options, now, elapsed);
}

function request(
  url: URL,
  host: string,
  address: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
  now: () => number,
  elapsed: () => number,
): Promise<SendResult> {
  const family = address.includes(':') ? 6 : 4;
  // Node calls lookup with { all: true } when autoSelectFamily is on (the default since Node 20).
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  const payload = Buffer.from(body, 'utf8');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...result, durationMs: elapsed() });
    };
    const req = transport.request({
      protocol: url.protocol,
      host,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      lookup: pinned,
      agent: false,
      ...(url.protocol === 'https:' ? { servername: host, ...(options.ca ? { ca: options.ca } : {}) } : {}),
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'user-agent': options.userAgent ?? 'media-pipeline-webhooks/1',
      },
    });
    const timer = setTimeout(
      () => finish({ status: 0, errorKind: 'timeout', error: `no complete response within ${timeoutMs} ms` }),
      timeoutMs,
    );
    req.on('error', (error) => finish({ status: 0, errorKind: 'network', error: error.message }));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const retryAfterSeconds = parseRetryAfter(res.headers['retry-after'], now());
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const snippet = Buffer.concat(chunks).toString('utf8').slice(0, 1024);
        const redirect = status >= 300 && status < 400;
        finish({
          status,
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          ...(snippet ? { responseSnippet: snippet } : {}),
          ...(redirect
            ? {
                errorKind: 'redirect' as const,
                error: `redirect to ${res.headers.location ?? '?'} not followed`,
              }
            : {}),
        });
      };
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        else done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(payload);
  });
}
