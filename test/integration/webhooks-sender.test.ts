/**
 * Webhook delivery against real receivers (node:http on 127.0.0.1): the sender, the signing and the
 * retry policy driven together the way the dispatcher will (re-signed per attempt, same webhook-id,
 * delays skipped), plus SSRF refusals that must happen before any connection is made.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookReceiver } from '../../src/webhooks/receiver.js';
import { type Decision, decideNext } from '../../src/webhooks/retry-policy.js';
import { generateWebhookSecret } from '../../src/webhooks/secrets.js';
import { type Resolver, type SendOptions, type SendResult, sendWebhook } from '../../src/webhooks/sender.js';
import { signWebhook } from '../../src/webhooks/signing.js';
import { closeReceivers, receiver, reply } from '../support/webhook-receiver.js';

afterEach(closeReceivers);

const secret = generateWebhookSecret();
const body = JSON.stringify({ type: 'media.job.completed', detail: { eventId: 'evt_1', tenant: 'acme' } });
const local: SendOptions = { stage: 'local', timeoutMs: 2000 };

/** The dispatcher loop: sign per attempt (fresh timestamp, same id), send, classify, skip the delay. */
async function deliver(url: string, options: SendOptions = local, maxLoops = 10) {
  const firstAttemptAt = new Date();
  const attempts: { result: SendResult; decision: Decision }[] = [];
  for (let attempt = 1; attempt <= maxLoops; attempt++) {
    const headers = signWebhook({ id: 'msg_evt_1', body, secrets: [secret] });
    const result = await sendWebhook(url, { ...headers }, body, options);
    const decision = decideNext({
      outcome: result,
      attempt,
      firstAttemptAt,
      now: new Date(),
      random: () => 0,
    });
    attempts.push({ result, decision });
    if (decision.action !== 'retry') break;
  }
  return attempts;
}

describe('delivery against local receivers', () => {
  it('503 for the first 3 attempts, then 200: delivered on attempt 4, every request verifiable, same id', async () => {
    const r = await receiver((req, res, n) =>
      reply(n <= 3 ? 503 : 200, n === 2 ? { 'retry-after': '7' } : {})(req, res, n),
    );
    const attempts = await deliver(r.url);
    expect(attempts.map((a) => a.decision.action)).toEqual(['retry', 'retry', 'retry', 'delivered']);
    expect(attempts.map((a) => a.result.status)).toEqual([503, 503, 503, 200]);
    expect(attempts[1]?.result.retryAfterSeconds).toBe(7);
    expect(attempts[1]?.decision).toMatchObject({ action: 'retry', delaySeconds: 7 });
    expect(r.requests).toHaveLength(4);
    for (const { headers, body: received } of r.requests) {
      expect(received).toBe(body);
      expect(headers['webhook-id']).toBe('msg_evt_1');
      expect(headers['content-type']).toBe('application/json');
      expect(new Webhook(secret).verify(received, headers)).toEqual(JSON.parse(body));
    }
  });

  it('404: one attempt, dead-lettered, not retried', async () => {
    const r = await receiver(reply(404));
    const attempts = await deliver(r.url);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.decision).toMatchObject({ action: 'dead-letter', reason: /HTTP 404/ });
    expect(r.requests).toHaveLength(1);
  });

  it('410: one attempt, the endpoint is disabled', async () => {
    const r = await receiver(reply(410));
    const attempts = await deliver(r.url);
    expect(attempts.map((a) => a.decision.action)).toEqual(['disable']);
    expect(r.requests).toHaveLength(1);
  });

  it('a receiver that sleeps past the timeout is retried; it sees the same webhook-id and dedupes', async () => {
    const verifier = new WebhookReceiver([secret]);
    const processed: string[] = [];
    const r = await receiver((_req, res, n) => {
      const last = r.requests[n - 1];
      if (last) {
        const got = verifier.receive(last.body, last.headers);
        if (!got.duplicate) processed.push(got.id);
      }
      if (n <= 2) setTimeout(() => res.writeHead(200).end(), 1500).unref();
      else res.writeHead(200).end();
    });
    const attempts = await deliver(r.url, { stage: 'local', timeoutMs: 300 });
    expect(attempts.map((a) => a.result.errorKind ?? a.result.status)).toEqual(['timeout', 'timeout', 200]);
    expect(attempts.map((a) => a.decision.action)).toEqual(['retry', 'retry', 'delivered']);
    expect(attempts[0]?.result.durationMs).toBeLessThan(1200);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual(['msg_evt_1', 'msg_evt_1', 'msg_evt_1']);
    expect(processed).toEqual(['msg_evt_1']); // the receiver acted once
  });

  it('connects to the vetted address: one DNS lookup per attempt, no second lookup to rebind', async () => {
    const r = await receiver(reply(200));
    const answers = [['127.0.0.1'], ['10.0.0.1']];
    const resolve = vi.fn<Resolver>(async () => answers.shift() ?? []);
    const result = await sendWebhook(`http://hooks.test:${r.port}/x`, {}, body, { ...local, resolve });
    expect(result).toMatchObject({ status: 200 });
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(resolve).toHaveBeenCalledWith('hooks.test');
    expect(r.requests[0]?.headers.host).toBe(`hooks.test:${r.port}`);
  });
});

describe('SSRF: refused without any connection', () => {
  it('a host resolving to 127.0.0.1 in a cloud stage (the same name connects in the local stage)', async () => {
    const r = await receiver(reply(200));
    const resolve = vi.fn<Resolver>(async () => ['127.0.0.1']);
    const refused = await sendWebhook(`https://hooks.test:${r.port}/x`, {}, body, { stage: 'prod', resolve });
    expect(refused).toMatchObject({ status: 0, errorKind: 'refused', error: /loopback/ });
    expect(resolve).toHaveBeenCalledWith('hooks.test');
    expect(r.connections).toBe(0);
    const allowed = await sendWebhook(`http://hooks.test:${r.port}/x`, {}, body, { ...local, resolve });
    expect(allowed.status).toBe(200);
    expect(r.connections).toBe(1);
  });

  it.each([
    ['https://10.0.0.1/hook', 'prod', /private/],
    ['https://169.254.169.254/latest/meta-data/', 'prod', /linkLocal/],
    ['http://169.254.169.254/latest/meta-data/', 'local', /linkLocal/],
    ['https://169.254.170.2/v2/credentials', 'prod', /linkLocal/],
    ['https://[::ffff:169.254.169.254]/', 'prod', /linkLocal .*IPv4-mapped/],
    ['http://[::ffff:169.254.169.254]/', 'local', /linkLocal .*IPv4-mapped/],
    ['http://2130706433/', 'local', /non-canonical IPv4/],
    ['https://2130706433/', 'prod', /non-canonical IPv4/],
    ['http://hooks.example.com/', 'prod', /https only/],
  ])('%s (%s)', async (url, stage, reason) => {
    const resolve = vi.fn<Resolver>(async () => ['127.0.0.1']);
    const result = await sendWebhook(url, {}, body, { stage, resolve, timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 0, errorKind: 'refused', error: reason });
    expect(resolve).not.toHaveBeenCalled();
    expect(result.durationMs).toBeLessThan(1000);
    const decision = decideNext({
      outcome: result,
      attempt: 1,
      firstAttemptAt: new Date(),
      now: new Date(),
      random: () => 0,
    });
    expect(decision.action).toBe('dead-letter');
  });

  it('a name resolving to 10.0.0.1, or to a public and a private address, is refused after the lookup', async () => {
    for (const answer of [['10.0.0.1'], ['93.184.216.34', '169.254.169.254'], ['fd00::1']]) {
      const resolve = vi.fn<Resolver>(async () => answer);
      const result = await sendWebhook('https://hooks.example.com/', {}, body, { stage: 'prod', resolve });
      expect(result.errorKind).toBe('refused');
      expect(resolve).toHaveBeenCalledTimes(1);
    }
  });

  it('a redirect to a private address is not followed', async () => {
    const target = await receiver(reply(200));
    for (const location of [
      `http://127.0.0.1:${target.port}/internal`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const r = await receiver(reply(302, { location }));
      const attempts = await deliver(r.url);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]?.result).toMatchObject({
        status: 302,
        errorKind: 'redirect',
        error: /not followed/,
      });
      expect(attempts[0]?.decision).toMatchObject({ action: 'dead-letter' });
      expect(r.requests).toHaveLength(1);
    }
    expect(target.connections).toBe(0); // reachable in the local stage, so following would have connected
  });

  it('DNS failures are network errors (retried), not refusals', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    };
    const result = await sendWebhook('https://nowhere.test/', {}, body, { stage: 'prod', resolve });
    expect(result).toMatchObject({ status: 0, errorKind: 'network', error: /ENOTFOUND/ });
  });
});
