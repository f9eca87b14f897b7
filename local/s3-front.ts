import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import busboy from 'busboy';
import {
  closeServer,
  forward,
  listen,
  type ProxyTarget,
  pipeResponse,
  proxyTarget,
  readBody,
  sendError,
} from './http-util.js';
import { checkPostPolicy, s3ErrorXml } from './post-policy.js';

/**
 * The S3 endpoint clients see: a proxy to s3rver that enforces browser-form POST policies (s3rver accepts
 * presigned POSTs but checks none of their conditions) and remembers which objects are being completed by
 * CompleteMultipartUpload (s3rver reports those as `ObjectCreated:Post`).
 */
export interface S3Front {
  endpoint: string;
  /** True while a CompleteMultipartUpload for bucket/key is being served. */
  isCompletingMultipart(bucket: string, key: string): boolean;
  stop(): Promise<void>;
}

export interface CorsRule {
  AllowedOrigins?: string[];
  AllowedMethods?: string[];
  ExposedHeaders?: string[];
  MaxAge?: number;
}

export interface S3FrontOptions {
  s3rverEndpoint: string;
  port?: number;
  /** Bucket CORS rules (template CorsConfiguration), for the responses the front writes itself. */
  cors?: Record<string, CorsRule[]>;
  secretFor: (accessKeyId: string) => string | undefined;
  log: (line: string) => void;
}

interface ParsedForm {
  fields: Record<string, string>;
  fileSize: number;
  hasFile: boolean;
  raw: Buffer;
}

function splitPath(url: string): { bucket: string; key: string; query: URLSearchParams } {
  const parsed = new URL(url, 'http://local');
  const [, bucket = '', ...rest] = parsed.pathname.split('/');
  return {
    bucket: decodeURIComponent(bucket),
    key: decodeURIComponent(rest.join('/')),
    query: parsed.searchParams,
  };
}

/** Parses a multipart form, keeping the raw bytes to forward unchanged. Fields after the file are ignored, as S3 does. */
function parseForm(req: IncomingMessage): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const form: ParsedForm = { fields: {}, fileSize: 0, hasFile: false, raw: Buffer.alloc(0) };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: 1024 * 1024, fields: 100 } });
    } catch (error) {
      reject(error);
      return;
    }
    parser.on('field', (name, value) => {
      if (!form.hasFile) form.fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name.toLowerCase() !== 'file' || form.hasFile) {
        stream.resume();
        return;
      }
      form.hasFile = true;
      stream.on('data', (chunk: Buffer) => {
        form.fileSize += chunk.length;
      });
    });
    parser.on('close', () => {
      form.raw = Buffer.concat(chunks);
      resolve(form);
    });
    parser.on('error', reject);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.pipe(parser);
  });
}

/** The CORS headers S3 adds for a bucket's first rule matching the origin and method (so browsers can read errors). */
export function corsHeaders(
  rules: CorsRule[] = [],
  origin: string | undefined,
  method: string,
): Record<string, string> {
  if (!origin) return {};
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(origin);
  const rule = rules.find(
    (r) => (r.AllowedOrigins ?? []).some(matches) && (r.AllowedMethods ?? []).includes(method),
  );
  if (!rule) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': rule.AllowedOrigins?.includes('*') ? '*' : origin,
    'access-control-allow-methods': (rule.AllowedMethods ?? []).join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (rule.ExposedHeaders?.length) headers['access-control-expose-headers'] = rule.ExposedHeaders.join(', ');
  if (rule.MaxAge !== undefined) headers['access-control-max-age'] = String(rule.MaxAge);
  return headers;
}

function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  details?: object,
  extraHeaders: Record<string, string> = {},
) {
  const body = s3ErrorXml(code, message, details as Record<string, string | number>);
  res.writeHead(status, {
    ...extraHeaders,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handleFormPost(
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  target: ProxyTarget,
  options: S3FrontOptions,
) {
  const cors = corsHeaders(options.cors?.[bucket], req.headers.origin, 'POST');
  let form: ParsedForm;
  try {
    form = await parseForm(req);
  } catch (error) {
    sendS3Error(
      res,
      400,
      'MalformedPOSTRequest',
      `The body of your POST request is not well-formed multipart/form-data. ${(error as Error).message}`,
      undefined,
      cors,
    );
    return;
  }
  if (!form.hasFile) {
    sendS3Error(
      res,
      400,
      'InvalidArgument',
      'POST requires exactly one file upload per request.',
      undefined,
      cors,
    );
    return;
  }
  const verdict = checkPostPolicy({
    bucket,
    fields: form.fields,
    fileSize: form.fileSize,
    secretFor: options.secretFor,
  });
  if (!verdict.ok) {
    options.log(`s3 POST /${bucket} rejected: ${verdict.code} ${verdict.message}`);
    sendS3Error(res, verdict.status, verdict.code, verdict.message, verdict.details, cors);
    return;
  }
  await pipeResponse(await forward(target, req, form.raw), res);
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  const target = proxyTarget(options.s3rverEndpoint);
  const completing = new Map<string, number>();
  const id = (bucket: string, key: string) => `${bucket}\u0000${key}`;

  const server: Server = createServer(async (req, res) => {
    try {
      const { bucket, key, query } = splitPath(req.url ?? '/');
      const contentType = String(req.headers['content-type'] ?? '');
      if (
        req.method === 'POST' &&
        bucket &&
        !key &&
        contentType.toLowerCase().startsWith('multipart/form-data')
      ) {
        await handleFormPost(req, res, bucket, target, options);
        return;
      }
      if (req.method === 'POST' && key && query.has('uploadId')) {
        // CompleteMultipartUpload: s3rver emits the event while serving this request.
        const k = id(bucket, key);
        completing.set(k, (completing.get(k) ?? 0) + 1);
        try {
          const body = await readBody(req);
          await pipeResponse(await forward(target, req, body), res);
        } finally {
          const n = (completing.get(k) ?? 1) - 1;
          if (n > 0) completing.set(k, n);
          else completing.delete(k);
        }
        return;
      }
      await pipeResponse(await forward(target, req), res);
    } catch (error) {
      sendError(res, 502, `s3 front: ${(error as Error).message}`);
    }
  });
  const endpoint = await listen(server, options.port ?? 0);
  return {
    endpoint,
    isCompletingMultipart: (bucket, key) => completing.has(id(bucket, key)),
    async stop() {
      await closeServer(server);
      target.agent.destroy();
    },
  };
}
