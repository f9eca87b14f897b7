/**
 * The console in real headless Chromium (Debian's package, through puppeteer-core) against the local stack:
 * sign-in, upload through the drop box, live progress to COMPLETED, image previews, HLS playback, cancelling a
 * batch job, replaying a dead-lettered delivery, problem details shown readably, and no page errors.
 * `MP_CONSOLE_SCREENSHOTS=1` also writes the screenshots in docs/console/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, PROJECT_ROOT, startLocalPipeline } from '../../local/pipeline.js';
import { chromiumMissing, launchBrowser, pageErrors } from '../support/browser.js';
import { fixturePath } from '../support/fixtures.js';
import { pipelineClient } from '../support/pipeline-client.js';
import { renderClip } from '../support/video-clips.js';
import { closeReceivers, receiver, reply } from '../support/webhook-receiver.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;
let browser: Browser;
let page: Page;
let errors: string[];
let clipDir: string;
const screenshots = process.env.MP_CONSOLE_SCREENSHOTS === '1';
const consoleUrl = (hash: string) => `${pipeline.apiUrl}/console/${hash}`;

async function shot(name: string) {
  if (screenshots)
    await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'console', `${name}.png`), fullPage: true });
}

async function signedIn(hash: string) {
  await page.goto(consoleUrl(`#key=${encodeURIComponent(pipeline.apiKey)}`));
  await page.waitForSelector('nav');
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
}

async function uploadThroughConsole(file: string, options?: unknown): Promise<string> {
  await signedIn('#/upload');
  const input = await page.waitForSelector('input[type=file]');
  if (options) await page.type('textarea[name=options]', JSON.stringify(options));
  await input?.uploadFile(file);
  const row = await page.waitForSelector(`li.upload[data-job-id]`);
  return (await row?.evaluate((li) => (li as HTMLElement).dataset.jobId)) as string;
}

/** Waits until the job's page shows COMPLETED (the page refreshes itself while the job runs). */
async function completedOnItsPage(jobId: string, timeout = 90_000) {
  await page.evaluate((id) => {
    window.location.hash = `#/jobs/${id}`;
  }, jobId);
  await page.waitForSelector(`[data-job-id="${jobId}"][data-status="COMPLETED"]`, { timeout });
}

beforeAll(async () => {
  if (chromiumMissing) return;
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
  browser = await launchBrowser();
  clipDir = await mkdtemp(join(tmpdir(), 'mp-console-'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  client?.close();
  await pipeline?.stop();
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
});

afterEach(async () => {
  if (page && !page.isClosed()) await page.close();
  await closeReceivers();
});

describe.skipIf(chromiumMissing)('the console in headless Chromium', () => {
  const open = async () => {
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    errors = pageErrors(page);
  };

  it('says clearly when the API key is wrong, and signs in with the right one', async () => {
    await open();
    await page.goto(consoleUrl('#key=not-a-key'));
    const message = await page.waitForSelector('form.sign-in [role=alert]:not([hidden])');
    expect(await message?.evaluate((el) => el.textContent)).toMatch(/did not accept this key \(401/);
    await shot('sign-in');
    await page.type('input[name=apiKey]', pipeline.apiKey);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('nav a.active');
    // The one error is the browser's own log line for the refused request.
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
  });

  it('uploads a photo through the drop box, follows it to COMPLETED and renders its outputs', async () => {
    await open();
    const jobId = await uploadThroughConsole(fixturePath('Landscape_6.jpg'));
    await page.waitForSelector(`li.upload[data-job-id="${jobId}"] .status-completed`, { timeout: 60_000 });
    await shot('upload');

    await page.evaluate(() => {
      window.location.hash = '#/jobs';
    });
    const bar = await page.waitForSelector(`tr[data-job-id="${jobId}"] progress`);
    expect(await bar?.evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
    await shot('jobs');

    await completedOnItsPage(jobId);
    await page.waitForFunction(
      () => {
        const images = [...document.querySelectorAll<HTMLImageElement>('.outputs img')];
        return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
      },
      { timeout: 15_000 },
    );
    const widths = await page.$$eval('.outputs img', (images) =>
      images.map((img) => (img as HTMLImageElement).naturalWidth),
    );
    expect(widths.length).toBeGreaterThan(0);
    const facts = await page.$$eval('table.facts', (tables) => tables.map((t) => t.textContent).join(' '));
    expect(facts).toContain('SHA-256');
    expect(facts).toMatch(/dimensions\d+×\d+/);
    await shot('job');
    expect(errors).toEqual([]);
  });

  it('shows a refused upload as problem details, not raw JSON', async () => {
    await open();
    await signedIn('#/upload');
    await page.waitForSelector('input[type=file]');
    await page.type('textarea[name=options]', '{"priority":"soonest"}');
    const input = await page.$('input[type=file]');
    await input?.uploadFile(fixturePath('Landscape_6.jpg'));
    const problem = await page.waitForSelector('li.upload .problem');
    const text = (await problem?.evaluate((el) => el.textContent)) ?? '';
    expect(text).toMatch(/\(400\)|\(422\)/);
    expect(text).toContain('priority');
    expect(text).not.toContain('{');
  });

  it('plays the HLS output of a clip: currentTime advances', async () => {
    await open();
    const clip = join(clipDir, 'clip.mp4');
    await renderClip(clip, { width: 320, height: 180, seconds: 4 });
    const jobId = await uploadThroughConsole(clip, { video: { outputs: [{ kind: 'hls', ladder: [180] }] } });
    await completedOnItsPage(jobId, 120_000);
    const video = await page.waitForSelector('.player video');
    await video?.evaluate((v) => (v as HTMLVideoElement).play());
    await page.waitForFunction(
      () => (document.querySelector('.player video') as HTMLVideoElement).currentTime > 0.5,
      {
        timeout: 20_000,
      },
    );
    // Played through hls.js: Media Source Extensions feed the element from a blob: URL.
    expect(await video?.evaluate((v) => (v as HTMLVideoElement).currentSrc)).toMatch(/^blob:/);
    await shot('video');
    expect(await page.$eval('.player-status', (p) => p.textContent)).toBe('');
    expect(errors).toEqual([]);
  });

  it('cancels a single job of a batch', async () => {
    await open();
    // A batch that starts in an hour: its jobs stay PENDING, so there is time to cancel one.
    const created = await client.api<{ id: string }>('POST', '/batches', {
      body: {
        name: 'console',
        startAt: new Date(Date.now() + 3_600_000).toISOString(),
        jobs: ['a', 'b'].map((ref) => ({ ref, source: { key: `t/demo/console/${ref}.jpg` } })),
      },
    });
    expect(created.status).toBe(202);
    // The batches page lists it by name (GET /batches) and links to it.
    await signedIn('#/batches');
    const link = `a[href="#/batches/${created.body.id}"]`;
    await page.waitForFunction(
      (selector) =>
        document.querySelector('h1')?.textContent === 'Batches' && document.querySelector(selector),
      {},
      link,
    );
    expect(await page.$eval(link, (a) => a.textContent)).toBe('console');
    await page.click(link);
    const cancel = await page.waitForSelector('tbody tr:first-child .actions button');
    expect(await cancel?.evaluate((b) => b.textContent)).toBe('Cancel');
    const jobId = await page.$eval('tbody tr:first-child .actions', (s) => (s as HTMLElement).dataset.jobId);
    await cancel?.click();
    await page.waitForSelector(`.actions[data-job-id="${jobId}"] button`, { timeout: 15_000 });
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`.actions[data-job-id="${id}"]`)
          ?.closest('tr')
          ?.textContent?.includes('CANCELLED'),
      {},
      jobId,
    );
    await shot('batch');
    const job = await client.api<{ status: string }>('GET', `/jobs/${jobId}`);
    expect(job.body.status).toBe('CANCELLED');
    expect(errors).toEqual([]);
  });

  it('replays a dead-lettered delivery', async () => {
    await open();
    let status = 404;
    const target = await receiver((req, res, n) => reply(status)(req, res, n));
    const created = await client.api<{ id: string }>('POST', '/webhooks', {
      body: { url: target.url, eventTypes: ['media.job.failed'] },
    });
    await client.upload(Buffer.from('not an image at all'), 'broken.jpg', 'image/jpeg');
    await signedIn(`#/webhooks/${created.body.id}?status=DEAD_LETTERED`);
    const replay = await page.waitForSelector('.actions[data-delivery-id] button', { timeout: 60_000 });
    status = 204;
    await replay?.click();
    await page.evaluate((id) => {
      window.location.hash = `#/webhooks/${id}?status=DELIVERED`;
    }, created.body.id);
    await page.waitForSelector('.status-delivered', { timeout: 30_000 });
    await shot('webhook');
    expect(target.requests.length).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });

  it('is served with a CSP that forbids framing and foreign scripts', async () => {
    const response = await fetch(consoleUrl(''));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(consoleUrl('no-such-file.js'))).status).toBe(404);
  });

  it('shows the queues, the last hour and the dead letters', async () => {
    await open();
    await signedIn('#/queues');
    await page.waitForSelector('main h1');
    const text = await page.$eval('main', (m) => m.textContent);
    expect(text).toContain('Ingest queues');
    expect(text).toContain('dead-letter');
    expect(text).toMatch(/queue wait/);
    await shot('queues');
    expect(errors).toEqual([]);
  });
});
