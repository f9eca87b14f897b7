import { createServer, type Server, type ServerResponse } from 'node:http';
import { EventsApiError, type LocalEventBus } from './event-bus.js';
import { closeServer, listen, readBody, sendAwsJson } from './http-util.js';
import type { Json } from './template.js';

/**
 * The EventBridge endpoint (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Operation>`) that SDK clients use
 * locally (AWS_ENDPOINT_URL_EVENTBRIDGE): PutEvents, ListRules, DescribeRule and ListTargetsByRule.
 */
export interface EventsFront {
  endpoint: string;
  serve(bus: LocalEventBus): void;
  stop(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
  sendAwsJson(res, '1.1', status, body, errorType);

function operation(bus: LocalEventBus, name: string, body: Json): unknown {
  switch (name) {
    case 'PutEvents':
      return bus.putEvents(body);
    case 'ListRules':
      return bus.listRules(body);
    case 'DescribeRule':
      return bus.describeRule(body);
    case 'ListTargetsByRule':
      return bus.listTargetsByRule(body);
  }
  throw new EventsApiError(
    'UnknownOperationException',
    `operation ${name} is not supported by the local runtime`,
  );
}

export async function startEventsFront(port = 0): Promise<EventsFront> {
  let bus: LocalEventBus | undefined;
  const server: Server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      // Well above PutEvents' 256 KB of entries: the JSON around them and base64 are not counted by AWS.
      const raw = (await readBody(req, 4 * 1024 * 1024)).toString('utf8');
      if (req.method !== 'POST' || !target.startsWith('AWSEvents.'))
        throw new EventsApiError(
          'UnknownOperationException',
          'expected a POST with X-Amz-Target AWSEvents.*',
        );
      if (!bus) throw new EventsApiError('ServiceUnavailable', 'the local stack is starting');
      let body: Json = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        throw new EventsApiError('SerializationException', 'the request body is not JSON');
      }
      send(res, 200, operation(bus, target.slice('AWSEvents.'.length), body));
    } catch (error) {
      const tooLarge = (error as { code?: string }).code === 'BODY_TOO_LARGE';
      const code =
        error instanceof EventsApiError ? error.code : tooLarge ? 'ValidationException' : 'InternalException';
      const status = code === 'InternalException' ? 500 : code === 'ServiceUnavailable' ? 503 : 400;
      send(res, status, { __type: code, message: (error as Error).message }, code);
    }
  });
  const endpoint = await listen(server, port);
  return {
    endpoint,
    serve(b) {
      bus = b;
    },
    stop: () => closeServer(server),
  };
}
