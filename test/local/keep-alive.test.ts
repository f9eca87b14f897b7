import { Agent, createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { closeServer, KEEP_ALIVE_TIMEOUT_MS, listen } from '../../local/http-util.js';

/** GET through a keep-alive agent; resolves with the client-side port of the socket used. */
function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.socket?.localPort ?? -1));
    });
    req.on('error', reject);
    req.end();
  });
}

// A pooled socket that the server closes after Node's default idle timeout (5 s; it closes at about
// 6 s) fails the next request with ECONNRESET when both happen at once (a failure of
// kms-secret-cipher.test.ts under load). The local fronts and emulators keep idle sockets far longer,
// so a pause between two tests never meets that race.
describe('idle keep-alive connections', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('outlive the 5 s Node default on the local fronts and the emulators', async () => {
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    const front = createServer((_req, res) => res.end('ok'));
    const frontUrl = await listen(front);
    const urls = [frontUrl, emulators.dynamodb.endpoint, emulators.s3.endpoint, emulators.sqs.endpoint];
    const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      const before = await Promise.all(urls.map((url, i) => get(url, agents[i] as Agent)));
      expect(before.every((port) => port > 0)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      const after = await Promise.all(urls.map((url, i) => get(url, agents[i] as Agent)));
      // The same sockets served the second round: nothing closed them while idle.
      expect(after).toEqual(before);
    } finally {
      for (const agent of agents) agent.destroy();
      await closeServer(front);
    }
  }, 30_000);
});
