import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_TYPES } from '../contract/events.js';
import { WebhookReceiver } from '../webhooks/receiver.js';
import { ApiClient, resolveTarget } from './api-client.js';

export interface ListenOptions {
  api?: string;
  apiKey?: string;
  /** Port to listen on (0 = any free one). */
  port?: number;
  /** Event types to subscribe to (default all). */
  events?: string[];
  /** Stop after this many events (scripts, tests); default: until interrupted. */
  count?: number;
  print?: (line: string) => void;
  /** One JSON line per event (`{receivedAt, id, type, data}`) and per duplicate or rejected request. */
  json?: boolean;
  signal?: AbortSignal;
}

interface CreatedEndpoint {
  id: string;
  secret: string;
}

/**
 * `webhooks listen`: a local receiver for the local stack. Registers a webhook endpoint pointing at
 * itself (http://localhost is allowed only in the local stage), verifies every request with the
 * `standardwebhooks` library, drops duplicates by webhook-id, prints one line per event, and deletes
 * the endpoint when it stops.
 */
export async function listenCommand(options: ListenOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const api = new ApiClient(resolveTarget(options));
  const unknown = (options.events ?? []).filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length) throw new Error(`unknown event type(s): ${unknown.join(', ')}`);

  let receiver: WebhookReceiver | undefined;
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!receiver) return void res.writeHead(503).end();
      try {
        const result = receiver.receive(body, req.headers as Record<string, string>);
        res.writeHead(204).end();
        if (result.duplicate) {
          return print(
            options.json ? JSON.stringify({ duplicate: result.id }) : `duplicate ${result.id} (ignored)`,
          );
        }
        const { type, data } = result.payload as { type: string; data: Record<string, unknown> };
        if (options.json) {
          print(JSON.stringify({ receivedAt: new Date().toISOString(), id: result.id, type, data }));
          if (options.count && ++received >= options.count) done();
          return;
        }
        const job = data.job as { id?: string; status?: string; progress?: number } | undefined;
        print(
          [
            new Date().toISOString(),
            type,
            job?.id,
            job?.status,
            job?.progress === undefined ? '' : `${job.progress}%`,
          ]
            .filter(Boolean)
            .join('  '),
        );
        if (options.count && ++received >= options.count) done();
      } catch (error) {
        res.writeHead(400).end();
        const message = (error as Error).message;
        print(options.json ? JSON.stringify({ rejected: message }) : `rejected a request: ${message}`);
      }
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}/webhooks`;
  const endpoint = await api.call<CreatedEndpoint>('POST', '/webhooks', {
    url,
    eventTypes: options.events?.length ? options.events : undefined,
    description: 'media-pipeline webhooks listen',
  });
  receiver = new WebhookReceiver([endpoint.secret]);
  const listening = `listening on ${url} as endpoint ${endpoint.id}; signatures verified (Ctrl-C to stop)`;
  if (options.json) console.error(listening);
  else print(listening);
  const stop = () => done();
  process.once('SIGINT', stop);
  options.signal?.addEventListener('abort', stop);
  await finished;
  process.off('SIGINT', stop);
  await api.call('DELETE', `/webhooks/${endpoint.id}`).catch(() => undefined);
  server.closeAllConnections();
  server.close();
  return 0;
}
