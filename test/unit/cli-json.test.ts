import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';

// The CLI as a script runs it: the real bin, spawned, against a small fake of the API on this machine.
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'media-pipeline.mjs');
const JOB = { id: '01J0000000000000000000000A', status: 'AWAITING_UPLOAD', stage: 'created', progress: 0 };
let server: http.Server;
let api: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (req.url !== '/form' && req.headers['x-api-key'] !== 'good') {
        return send(
          401,
          { type: 'x', title: 'Unauthorized', status: 401, code: 'UNAUTHORIZED' },
          'application/problem+json',
        );
      }
      if (req.method === 'POST' && req.url === '/uploads') {
        return send(201, { job: JOB, upload: { url: `${api}/form`, fields: { key: 'k' } } });
      }
      if (req.method === 'POST' && req.url === '/form') return void res.writeHead(204).end();
      if (req.url === `/jobs/${JOB.id}`) return send(200, JOB);
      if (req.url === '/jobs/broken') return send(503, { message: 'Service Unavailable' });
      send(
        404,
        { type: 'x', title: 'Not found', status: 404, detail: 'no job', code: 'NOT_FOUND' },
        'application/problem+json',
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('CLI --json and exit codes', { timeout: 120_000 }, () => {
  it('status --json prints the job; a missing job is refused (3) with its problem as JSON', async () => {
    const ok = await run(['--api', api, '--api-key', 'good', '--json', 'status', JOB.id]);
    expect(ok.code).toBe(EXIT.ok);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: JOB.id });
    const missing = await run(['--api', api, '--api-key', 'good', '--json', 'status', 'nope']);
    expect(missing.code).toBe(EXIT.refused);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: expect.objectContaining({ status: 404, code: 'NOT_FOUND', detail: 'no job' }),
    });
    const wrongKey = await run(['--api', api, '--api-key', 'bad', '--json', 'status', JOB.id]);
    expect(wrongKey.code).toBe(EXIT.refused);
    expect(JSON.parse(wrongKey.stdout).error.status).toBe(401);
  });

  it('a 5xx answer or no answer at all is unavailable (4); bad usage is 2', async () => {
    const down = await run(['--api', api, '--api-key', 'good', '--json', 'status', 'broken']);
    expect(down.code).toBe(EXIT.unavailable);
    expect(JSON.parse(down.stdout).error.status).toBe(503);
    const closed = await run([
      '--api',
      'http://127.0.0.1:9',
      '--api-key',
      'good',
      '--json',
      'status',
      JOB.id,
    ]);
    expect(closed.code).toBe(EXIT.unavailable);
    expect(JSON.parse(closed.stdout).error.message).toMatch(/no answer/);
    expect((await run(['status', JOB.id, '--no-such-flag'])).code).toBe(EXIT.usage);
    const dir = mkdtempSync(join(tmpdir(), 'mp-cli-'));
    writeFileSync(join(dir, 'spec.json'), '{ not json');
    const spec = await run(['--api', api, '--api-key', 'good', '--json', 'batch', join(dir, 'spec.json')]);
    expect(spec.code).toBe(EXIT.usage);
    expect(JSON.parse(spec.stdout).error.message).toContain('spec.json');
  });

  it('upload --json prints one JSON array of {file, job}, nothing else on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-cli-'));
    const file = join(dir, 'a.jpg');
    writeFileSync(file, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const uploaded = await run(['--api', api, '--api-key', 'good', '--json', 'upload', file]);
    expect(uploaded.code).toBe(EXIT.ok);
    expect(JSON.parse(uploaded.stdout)).toEqual([{ file, job: expect.objectContaining({ id: JOB.id }) }]);
    expect(uploaded.stderr).toBe('');
    // The API refusing the upload (wrong key) is exit 3, with the error in the file's entry.
    const refused = await run(['--api', api, '--api-key', 'bad', '--json', 'upload', file]);
    expect(refused.code).toBe(EXIT.refused);
    expect(JSON.parse(refused.stdout)).toEqual([
      { file, error: expect.stringContaining('401'), code: EXIT.refused },
    ]);
  });
});
