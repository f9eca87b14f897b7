/**
 * Job events end to end on the local stack: the worker's state changes go through the outbox to the
 * local EventBridge bus, the template's rule to the fan-out queue and Lambda, the delivery queue and
 * the dispatcher, to receivers on this machine that verify every request with `standardwebhooks`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { listenCommand } from '../../src/cli/webhooks-listen.js';
import { WebhookReceiver } from '../../src/webhooks/receiver.js';
import { readFixture } from '../support/fixtures.js';
import { pipelineClient } from '../support/pipeline-client.js';
import { closeReceivers, receiver, reply } from '../support/webhook-receiver.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
});
afterAll(async () => {
  client?.close();
  await pipeline?.stop();
});
afterEach(closeReceivers);

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('webhooks on the local stack', () => {
  it('an image job’s events arrive signed, in the Standard Webhooks shape, each once', async () => {
    const target = await receiver(reply(204));
    const created = await client.api<{ id: string; secret: string }>('POST', '/webhooks', {
      body: { url: target.url },
    });
    expect(created.status).toBe(201);
    const verifier = new WebhookReceiver([created.body.secret]);

    const job = await client.upload(readFixture('Landscape_6.jpg'), 'a.jpg', 'image/jpeg');
    const received = await until(async () => {
      const events = target.requests.map((r) => verifier.receive(r.body, r.headers));
      const types = events.flatMap((e) => (e.duplicate ? [] : [(e.payload as { type: string }).type]));
      return types.includes('media.job.completed') ? target.requests : undefined;
    });
    const payloads = received.map(
      (r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
    );
    expect(payloads.map((p) => p.type)).toEqual(
      expect.arrayContaining(['media.job.queued', 'media.job.started', 'media.job.completed']),
    );
    for (const payload of payloads)
      expect(payload.data).toMatchObject({ tenant: 'demo', job: { id: job.id } });
    const completed = payloads.find((p) => p.type === 'media.job.completed');
    const outputs = completed?.data.outputs as { url: string }[];
    expect(outputs.length).toBeGreaterThan(0);
    // The URL in the event fetches the output.
    expect((await fetch(outputs[0]?.url as string)).status).toBe(200);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(received.length);

    const deliveries = await client.api<{ deliveries: { status: string }[] }>(
      'GET',
      `/webhooks/${created.body.id}/deliveries`,
    );
    expect(deliveries.body.deliveries.length).toBe(received.length);
    expect(deliveries.body.deliveries.every((d) => d.status === 'DELIVERED')).toBe(true);
    await client.api('DELETE', `/webhooks/${created.body.id}`);
  });

  it('a failing job publishes failed with its error code; a 404 receiver’s delivery is dead-lettered and replays', async () => {
    let status = 404;
    const target = await receiver((req, res, n) => reply(status)(req, res, n));
    const created = await client.api<{ id: string }>('POST', '/webhooks', {
      body: { url: target.url, eventTypes: ['media.job.failed'] },
    });
    const job = await client.upload(Buffer.from('not an image at all'), 'b.jpg', 'image/jpeg');
    const path = `/webhooks/${created.body.id}/deliveries`;
    const dead = await until(async () => {
      const page = await client.api<{ deliveries: { id: string; status: string }[] }>(
        'GET',
        `${path}?status=DEAD_LETTERED`,
      );
      return page.body.deliveries[0];
    });
    expect(target.requests).toHaveLength(1);
    const payload = JSON.parse(target.requests[0]?.body as string);
    expect(payload).toMatchObject({
      type: 'media.job.failed',
      data: { job: { id: job.id, status: 'FAILED' }, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } },
    });

    status = 200;
    expect((await client.api('POST', `/webhooks/deliveries/${dead.id}/replay`)).status).toBe(202);
    await until(async () => (target.requests.length >= 2 ? true : undefined));
    expect(target.requests[1]?.headers['webhook-id']).toBe(target.requests[0]?.headers['webhook-id']);
    await until(async () => {
      const page = await client.api<{ deliveries: { status: string }[] }>('GET', path);
      return page.body.deliveries[0]?.status === 'DELIVERED' ? true : undefined;
    });
  });

  it('`webhooks listen` registers itself, verifies and prints the events, and cleans up', async () => {
    const lines: string[] = [];
    const listening = listenCommand({
      api: pipeline.apiUrl,
      apiKey: pipeline.apiKey,
      events: ['media.job.completed'],
      count: 1,
      print: (line) => lines.push(line),
    });
    await until(async () => (lines.some((l) => l.startsWith('listening on')) ? true : undefined));
    const job = await client.upload(readFixture('Landscape_1.jpg'), 'c.jpg', 'image/jpeg');
    expect(await listening).toBe(0);
    expect(lines.some((l) => l.includes('media.job.completed') && l.includes(job.id))).toBe(true);
    const listed = await client.api<{ webhooks: { description?: string }[] }>('GET', '/webhooks');
    expect(listed.body.webhooks.filter((w) => w.description?.includes('webhooks listen'))).toEqual([]);
  });
});
