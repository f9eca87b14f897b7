import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './http-util.js';
import { type LocalScheduler, SchedulerApiError } from './scheduler.js';
import type { Json } from './template.js';

/**
 * The EventBridge Scheduler endpoint (REST-JSON) SDK clients use locally (AWS_ENDPOINT_URL_SCHEDULER):
 * CreateSchedule `POST /schedules/{Name}`, GetSchedule `GET /schedules/{Name}?groupName=`, UpdateSchedule
 * `PUT /schedules/{Name}`, DeleteSchedule `DELETE /schedules/{Name}?groupName=&clientToken=` and ListSchedules
 * `GET /schedules`. Timestamps are epoch seconds; errors are `{Message}` with the code in `x-amzn-errortype`.
 */
export interface SchedulerFront {
  endpoint: string;
  serve(scheduler: LocalScheduler): void;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

function operation(scheduler: LocalScheduler, method: string, url: URL, body: Json): unknown {
  const query = url.searchParams;
  if (url.pathname === '/schedules' && method === 'GET') return scheduler.list(query);
  const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
  if (match) {
    const name = decodeURIComponent(match[1] as string);
    switch (method) {
      case 'POST':
        return scheduler.create(name, body);
      case 'PUT':
        return scheduler.update(name, body);
      case 'GET':
        return scheduler.get(name, query.get('groupName') ?? undefined);
      case 'DELETE':
        return scheduler.delete(name, query.get('groupName') ?? undefined);
    }
  }
  throw new SchedulerApiError(
    'UnknownOperationException',
    404,
    `${method} ${url.pathname} is not supported by the local runtime (schedules only: no schedule groups or tags)`,
  );
}

export async function startSchedulerFront(port = 0): Promise<SchedulerFront> {
  let scheduler: LocalScheduler | undefined;
  const server: Server = createServer(async (req, res) => {
    try {
      const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
      if (!scheduler) throw new SchedulerApiError('ServiceUnavailable', 503, 'the local stack is starting');
      let body: Json = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        throw new SchedulerApiError('ValidationException', 400, 'the request body is not JSON');
      }
      if (!body || typeof body !== 'object')
        throw new SchedulerApiError('ValidationException', 400, 'the request body is not a JSON object');
      const url = new URL(req.url ?? '/', 'http://localhost');
      send(res, 200, operation(scheduler, req.method ?? 'GET', url, body));
    } catch (error) {
      const known = error instanceof SchedulerApiError;
      const code = known ? error.code : 'InternalServerException';
      send(res, known ? error.status : 500, { Message: (error as Error).message }, code);
    }
  });
  const endpoint = await listen(server, port);
  return {
    endpoint,
    serve(s) {
      scheduler = s;
    },
    stop: () => closeServer(server),
  };
}
