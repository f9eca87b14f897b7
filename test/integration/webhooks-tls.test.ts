/**
 * The pinned connection over TLS: the socket goes to the vetted address while SNI, the Host header and
 * certificate verification use the URL's host name (a certificate for another name is refused).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Resolver } from '../../src/webhooks/sender.js';
import { sendWebhook } from '../../src/webhooks/sender.js';

let server: https.Server;
let port = 0;
let cert = '';
const seen: { servername: string | false | null; host: string | undefined }[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webhooks-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=hooks.test',
        '-addext',
        'subjectAltName=DNS:hooks.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host });
      req.resume().on('end', () => res.writeHead(204).end());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('https to a pinned address', () => {
  it('connects to the vetted 127.0.0.1 with SNI and Host set to the URL host, certificate verified', async () => {
    const resolve = vi.fn<Resolver>(async () => ['127.0.0.1']);
    const result = await sendWebhook(`https://hooks.test:${port}/x`, {}, '{}', {
      stage: 'local',
      resolve,
      ca: cert,
    });
    expect(result).toMatchObject({ status: 204 });
    expect(seen.at(-1)).toEqual({ servername: 'hooks.test', host: `hooks.test:${port}` });
  });

  it('refuses a certificate that does not name the URL host, even though the address was allowed', async () => {
    const resolve: Resolver = async () => ['127.0.0.1'];
    const before = seen.length;
    const result = await sendWebhook(`https://other.test:${port}/x`, {}, '{}', {
      stage: 'local',
      resolve,
      ca: cert,
    });
    expect(result).toMatchObject({ status: 0, errorKind: 'network', error: /other\.test|altnames/i });
    expect(seen.length).toBe(before);
  });

  it('refuses the same host in a cloud stage before connecting (loopback)', async () => {
    const before = seen.length;
    const result = await sendWebhook(`https://hooks.test:${port}/x`, {}, '{}', {
      stage: 'prod',
      resolve: async () => ['127.0.0.1'],
      ca: cert,
    });
    expect(result).toMatchObject({ errorKind: 'refused' });
    expect(seen.length).toBe(before);
  });
});
