import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver (node:http on 127.0.0.1) that records what it was sent. */
export interface Receiver {
  port: number;
  url: string;
  requests: { headers: Record<string, string>; body: string }[];
  connections: number;
  server: http.Server;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: http.Server[] = [];

/** Closes every receiver started since the last call (call it in afterEach/afterAll). */
export async function closeReceivers(): Promise<void> {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
}

export async function receiver(handler: Handler): Promise<Receiver> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      state.requests.push({ headers: req.headers as Record<string, string>, body });
      handler(req, res, state.requests.length);
    });
  });
  const state: Receiver = { port: 0, url: '', requests: [], connections: 0, server };
  server.on('connection', () => {
    state.connections++;
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://localhost:${state.port}/hooks`;
  return state;
}

export const reply =
  (status: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end('{}');
  };
