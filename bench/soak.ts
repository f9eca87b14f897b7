import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { fixturePath } from '../test/support/fixtures.js';
import { StackProcess } from '../test/support/stack-process.js';
import { closeReceivers, receiver } from '../test/support/webhook-receiver.js';
import { percentile } from './stats.js';

/**
 * `npm run soak` (or `npm run bench -- soak`): the durable local stack (`npm start`'s entry as a child
 * process) takes SOAK_JOBS image jobs (500) in SOAK_KILLS + 1 rounds while it is SIGKILLed SOAK_KILLS times
 * (10) at random moments, restarting each time with the template's own schedules. It reports jobs lost
 * (not COMPLETED with every output at its recorded size; target 0), second jobs made by retried submits,
 * the time from each kill to the stack serving again, and the recovery time: from a kill to the next
 * claim of each job that was in flight (claimed, not finished) when it came, read from the signed
 * `media.job.started` events a local receiver got. Clients retry through the outages with Idempotency-Keys.
 */
const JOBS = Number(process.env.SOAK_JOBS ?? 500);
const KILLS = Number(process.env.SOAK_KILLS ?? 10);

interface Seen {
  started: { attempt: number; at: number }[];
  endedAt?: number;
}

export async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mp-soak-'));
  const stack = await StackProcess.create(dataDir);
  const seen = new Map<string, Seen>();
  const hooks = await receiver((_req, res, n) => {
    const { body } = hooks.requests[n - 1] as { body: string };
    const payload = JSON.parse(body) as {
      type: string;
      data: { occurredAt: string; job: { id: string; attempt?: number } };
    };
    const job = seen.get(payload.data.job.id) ?? { started: [] };
    const at = Date.parse(payload.data.occurredAt);
    if (payload.type === 'media.job.started')
      job.started.push({ attempt: payload.data.job.attempt ?? 0, at });
    if (['media.job.completed', 'media.job.failed', 'media.job.cancelled'].includes(payload.type))
      job.endedAt = at;
    seen.set(payload.data.job.id, job);
    res.writeHead(204).end();
  });
  const begun = Date.now();
  try {
    await stack.start();
    await stack.retried('POST', '/webhooks', { url: hooks.url }, 'soak-webhook');
    const source = await sharp(await readFile(fixturePath('2569067123_aca715a2ee_o.jpg')))
      .resize(1200)
      .toBuffer();
    const ids: string[] = [];
    const perRound = Math.ceil(JOBS / (KILLS + 1));
    for (let round = 0; round <= KILLS; round++) {
      for (let i = 0; i < perRound && ids.length < JOBS; i++) {
        const n = ids.length;
        const key = `t/demo/soak/${n}.jpg`;
        // Distinct sizes, so no job is a near-duplicate shortcut of another.
        const body = await sharp(source)
          .resize(300 + (n % 900))
          .jpeg({ quality: 80 })
          .toBuffer();
        await stack.put(key, body, 'image/jpeg');
        const created = await stack.retried(
          'POST',
          '/jobs',
          { source: { key }, outputs: { preset: 'thumbnail' } },
          `soak-${n}`,
        );
        ids.push((created.id ?? (created.job as { id: string }).id) as string);
      }
      if (round === KILLS) break;
      await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 3000)));
      await stack.kill();
      await stack.start();
      process.stdout.write(`kill ${round + 1}/${KILLS}: ${ids.length} jobs submitted\n`);
    }

    // Every job ends, or 120 s pass without one ending.
    const views = new Map<string, Record<string, unknown>>();
    let last = Date.now();
    while (views.size < ids.length && Date.now() - last < 120_000) {
      for (const id of ids) {
        if (views.has(id)) continue;
        const { body } = await stack
          .api('GET', `/jobs/${id}`)
          .catch(() => ({ body: {} as Record<string, unknown> }));
        if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.status as string)) {
          views.set(id, body);
          last = Date.now();
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const outputs = stack.bucketNames().outputs;
    let lost = 0;
    for (const id of ids) {
      const view = views.get(id);
      const written = view?.status === 'COMPLETED' ? (view.outputs as { key: string; bytes: number }[]) : [];
      let ok = written.length > 0;
      for (const output of written) {
        const head = await stack.s3
          .send(new HeadObjectCommand({ Bucket: outputs, Key: output.key }))
          .catch(() => undefined);
        if (head?.ContentLength !== output.bytes) ok = false;
      }
      if (!ok) lost++;
    }
    const listed = await stack.api('GET', '/jobs?limit=100');
    let total = (listed.body.jobs as unknown[]).length;
    for (let cursor = listed.body.cursor as string | undefined; cursor; ) {
      const page = await stack.api('GET', `/jobs?limit=100&cursor=${encodeURIComponent(cursor)}`);
      total += (page.body.jobs as unknown[]).length;
      cursor = page.body.cursor as string | undefined;
    }

    const recoveries: number[] = [];
    for (const killedAt of stack.kills) {
      for (const job of seen.values()) {
        const before = job.started.filter((s) => s.at <= killedAt);
        const inFlight = before.length > 0 && !(job.endedAt !== undefined && job.endedAt <= killedAt);
        const next = job.started.find((s) => s.at > killedAt);
        if (inFlight && next) recoveries.push(next.at - killedAt);
      }
    }
    const restarts = stack.kills.map((k, i) => (stack.starts[i + 1]?.serving ?? k) - k);
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const seconds = (values: number[], p: number) => (percentile(sorted(values), p) / 1000).toFixed(1);
    console.table([
      {
        jobs: ids.length,
        kills: stack.kills.length,
        lost,
        'second jobs': total - ids.length,
        'restart p50 s': seconds(restarts, 50),
        'restart p95 s': seconds(restarts, 95),
        'in flight at kills': recoveries.length,
        'kill→next claim p50 s': seconds(recoveries, 50),
        'kill→next claim p95 s': seconds(recoveries, 95),
        'max s': seconds(recoveries, 100),
        'wall s': Math.round((Date.now() - begun) / 1000),
      },
    ]);
    if (lost > 0 || total !== ids.length) process.exitCode = 1;
  } finally {
    await stack.close();
    await closeReceivers();
    await rm(dataDir, { recursive: true, force: true });
  }
}
