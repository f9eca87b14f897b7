import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  buildHttpApiEvent,
  mapLambdaResult,
  matchRoute,
  parseRouteKey,
  type Route,
} from './http-api-event.js';
import { closeServer, listen, readBody } from './http-util.js';
import type { LambdaHost } from './lambda-host.js';
import type { Json, LocalTemplate } from './template.js';

/** The template's API Gateway HTTP APIs (AWS::ApiGatewayV2::Api/Route/Integration) served on 127.0.0.1. */
export interface HttpApiDefinition {
  logicalId: string;
  apiId: string;
  routes: Route[];
  cors?: Record<string, Json>;
}

/** API Gateway's payload limit. */
const MAX_BODY = 10 * 1024 * 1024;

export function readHttpApis(template: LocalTemplate, host: LambdaHost, log: (line: string) => void) {
  const apis: HttpApiDefinition[] = [];
  for (const [apiId, api] of template.ofType('AWS::ApiGatewayV2::Api')) {
    const props = template.resolve(api.Properties ?? {});
    if (props.ProtocolType !== 'HTTP') {
      log(`warning: ${props.ProtocolType} API ${apiId} is not served locally`);
      continue;
    }
    const physicalApiId = String(template.ref(apiId));
    const belongs = (r: { Properties?: Record<string, Json> }) =>
      template.resolve(r.Properties?.ApiId) === physicalApiId;
    const integrations = new Map<string, string>();
    for (const [id, r] of template.ofType('AWS::ApiGatewayV2::Integration')) {
      if (!belongs(r)) continue;
      const p = template.resolve(r.Properties ?? {});
      if (p.IntegrationType !== 'AWS_PROXY')
        throw new Error(`integration ${id}: only AWS_PROXY (Lambda) is supported locally`);
      if (String(p.PayloadFormatVersion ?? '1.0') !== '2.0')
        throw new Error(`integration ${id}: only payload format 2.0 is supported locally`);
      integrations.set(String(template.ref(id)), host.find(String(p.IntegrationUri)).logicalId);
    }
    const routes: Route[] = [];
    for (const [id, r] of template.ofType('AWS::ApiGatewayV2::Route')) {
      if (!belongs(r)) continue;
      const p = template.resolve(r.Properties ?? {});
      if (p.AuthorizerId || (p.AuthorizationType && p.AuthorizationType !== 'NONE'))
        throw new Error(`route ${id} (${p.RouteKey}): authorizers not supported locally`);
      const target = String(p.Target ?? '').replace(/^integrations\//, '');
      const functionLogicalId = integrations.get(target);
      if (!functionLogicalId)
        throw new Error(`route ${id} (${p.RouteKey}) targets unknown integration ${p.Target}`);
      routes.push({ routeKey: String(p.RouteKey), ...parseRouteKey(String(p.RouteKey)), functionLogicalId });
    }
    for (const [id, r] of template.ofType('AWS::ApiGatewayV2::Stage'))
      if (belongs(r) && template.resolve(r.Properties?.StageName) !== '$default')
        log(`warning: stage ${id} is served at the root, as if it were $default`);
    apis.push({ logicalId: apiId, apiId: physicalApiId, routes, cors: props.CorsConfiguration });
  }
  return apis;
}

const lower = (list: unknown) => ((list as string[] | undefined) ?? []).map((s) => String(s).toLowerCase());

/** CORS as API Gateway does it for HTTP APIs with a CorsConfiguration: preflights answered, headers added. */
function corsHeaders(
  cors: Record<string, Json>,
  req: IncomingMessage,
  preflight: boolean,
): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (!origin) return undefined;
  const origins: string[] = cors.AllowOrigins ?? [];
  if (!origins.includes('*') && !origins.includes(origin)) return undefined;
  const headers: Record<string, string> = {
    'access-control-allow-origin': origins.includes('*') && !cors.AllowCredentials ? '*' : origin,
  };
  if (cors.AllowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (!preflight) {
    if (cors.ExposeHeaders?.length) headers['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
    return headers;
  }
  const method = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
  const methods = lower(cors.AllowMethods).map((m) => m.toUpperCase());
  if (!methods.includes('*') && !methods.includes(method)) return undefined;
  const requested = lower(
    String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
  );
  const allowed = lower(cors.AllowHeaders);
  if (!allowed.includes('*') && requested.some((h) => !allowed.includes(h))) return undefined;
  headers['access-control-allow-methods'] = methods.includes('*') ? method : methods.join(',');
  if (requested.length) headers['access-control-allow-headers'] = requested.join(',');
  if (cors.MaxAge !== undefined) headers['access-control-max-age'] = String(cors.MaxAge);
  return headers;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...extra,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export interface HttpApiServer {
  url: string;
  /** Starts answering with the API's routes (until then every request gets 503). */
  serve(api: HttpApiDefinition, host: LambdaHost): void;
  stop(): Promise<void>;
  /** Takes no new connection or keep-alive request; requests in flight still get their answer. */
  stopAccepting(): void;
  /** Serves a static site beside the API (the console): the handler answers the paths it owns. */
  serveSite(site: StaticSite): void;
}

export type StaticSite = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** Listens first (the API's URL is part of the template's values), serves once the functions exist. */
export async function createHttpApiServer(log: (line: string) => void, port = 0): Promise<HttpApiServer> {
  let state: { api: HttpApiDefinition; host: LambdaHost } | undefined;
  let site: StaticSite | undefined;
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (site?.(req, res, path)) return;
    if (!state) {
      sendJson(res, 503, { message: 'Service Unavailable' });
      return;
    }
    const { api, host } = state;
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (
        api.cors &&
        method === 'OPTIONS' &&
        req.headers.origin &&
        req.headers['access-control-request-method']
      ) {
        const headers = corsHeaders(api.cors, req, true) ?? {};
        res.writeHead(204, headers);
        res.end();
        return;
      }
      const cors = api.cors ? (corsHeaders(api.cors, req, false) ?? {}) : {};
      const match = matchRoute(api.routes, method, path);
      if (!match) {
        sendJson(res, 404, { message: 'Not Found' }, cors);
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(req, MAX_BODY);
      } catch {
        sendJson(res, 413, { message: 'Request Entity Too Large' }, cors);
        return;
      }
      const event = buildHttpApiEvent(
        {
          method,
          url: req.url ?? '/',
          headers: req.headers,
          body,
          sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          apiId: api.apiId,
        },
        match,
      );
      let response: ReturnType<typeof mapLambdaResult>;
      try {
        response = mapLambdaResult(await host.invoke(match.route.functionLogicalId, event));
      } catch (error) {
        // Always on stderr, also when the runtime's log is off (tests): a 500 here is a defect to see.
        console.error(`local HTTP API: ${method} ${path} → 500: ${(error as Error)?.stack ?? String(error)}`);
        log(`${method} ${path} → 500: ${(error as Error).message}`);
        sendJson(res, 500, { message: 'Internal Server Error' }, cors);
        return;
      }
      const headers: Record<string, string | string[]> = { ...response.headers, ...cors };
      if (response.cookies.length) headers['set-cookie'] = response.cookies;
      headers['content-length'] = String(response.body.length);
      res.writeHead(response.statusCode, headers);
      res.end(method === 'HEAD' ? undefined : response.body);
    } catch (error) {
      console.error(`local HTTP API: ${method} ${path} → 500: ${(error as Error)?.stack ?? String(error)}`);
      log(`${method} ${path} → 500: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    }
  });
  const url = await listen(server, port);
  return {
    url,
    serve: (api, host) => {
      state = { api, host };
    },
    serveSite: (handler) => {
      site = handler;
    },
    stop: () => closeServer(server),
    stopAccepting: () => {
      if (!server.listening) return;
      server.close();
      server.closeIdleConnections();
    },
  };
}
