import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ACCOUNT_ID } from './template.js';

/** API Gateway HTTP API (payload format 2.0): route matching, the Lambda event, and the response mapping. */
export interface Route {
  routeKey: string;
  method: string;
  segments: string[];
  functionLogicalId: string;
}

export function parseRouteKey(routeKey: string): { method: string; segments: string[] } {
  if (routeKey === '$default') return { method: 'ANY', segments: [] };
  const [method = '', path = '/'] = routeKey.split(' ');
  return { method: method.toUpperCase(), segments: path.split('/').filter(Boolean) };
}

export interface RouteMatch {
  route: Route;
  pathParameters?: Record<string, string>;
}

/**
 * API Gateway's precedence: the most specific route wins, compared segment by segment
 * (literal over {param} over {greedy+}), an exact method over ANY, `$default` last.
 */
export function matchRoute(routes: Route[], method: string, path: string): RouteMatch | undefined {
  const parts = path.split('/').filter(Boolean);
  let best: { match: RouteMatch; score: number[] } | undefined;
  for (const route of routes) {
    if (route.routeKey === '$default') continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < route.segments.length; i++) {
      const seg = route.segments[i] as string;
      const greedy = /^\{(.+)\+\}$/.exec(seg);
      if (greedy) {
        if (i !== route.segments.length - 1 || i >= parts.length) ok = false;
        else params[greedy[1] as string] = parts.slice(i).map(safeDecode).join('/');
        score.push(1);
        break;
      }
      const part = parts[i];
      if (part === undefined) {
        ok = false;
        break;
      }
      const param = /^\{(.+)\}$/.exec(seg);
      if (param) {
        params[param[1] as string] = safeDecode(part);
        score.push(2);
      } else if (seg === part) score.push(3);
      else {
        ok = false;
        break;
      }
    }
    const greedyRoute = route.segments.some((s) => s.endsWith('+}'));
    if (!ok || (!greedyRoute && route.segments.length !== parts.length)) continue;
    score.push(route.method === 'ANY' ? 0 : 1);
    if (!best || compareScores(score, best.score) > 0)
      best = { match: { route, pathParameters: Object.keys(params).length ? params : undefined }, score };
  }
  if (best) return best.match;
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.test(contentType.trim());
}

function clfTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface HttpRequestInfo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  apiId: string;
}

/** The payload format 2.0 event API Gateway sends to a Lambda integration. */
export function buildHttpApiEvent(req: HttpRequestInfo, match: RouteMatch) {
  const url = new URL(req.url, 'http://local');
  const rawQueryString = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  const host = headers.host ?? '127.0.0.1';
  headers['x-forwarded-for'] = req.sourceIp;
  headers['x-forwarded-port'] = host.split(':')[1] ?? '80';
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  const now = new Date();
  const text = isTextContentType(headers['content-type']);
  const domainName = host.split(':')[0] as string;
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: req.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] as string,
      http: {
        method: req.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomBytes(10).toString('base64').replace(/=+$/, '='),
      routeKey: match.route.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(match.pathParameters ? { pathParameters: match.pathParameters } : {}),
    ...(req.body.length ? { body: req.body.toString(text ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: req.body.length > 0 && !text,
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Payload 2.0 response rules: an object with statusCode is a full response; anything else
 * (an object without statusCode, a string) is a 200 JSON body.
 */
export function mapLambdaResult(result: unknown): HttpResponse {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: unknown;
      headers?: unknown;
      cookies?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const statusCode = Number(r.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
      throw new Error(`invalid statusCode ${String(r.statusCode)}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, unknown>))
      headers[k.toLowerCase()] = String(v);
    headers['content-type'] ??= 'application/json';
    const raw =
      r.body === undefined || r.body === null
        ? ''
        : typeof r.body === 'string'
          ? r.body
          : JSON.stringify(r.body);
    return {
      statusCode,
      headers,
      cookies: Array.isArray(r.cookies) ? r.cookies.map(String) : [],
      body: r.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw),
    };
  }
  const body = result === undefined ? '' : typeof result === 'string' ? result : JSON.stringify(result);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  };
}
