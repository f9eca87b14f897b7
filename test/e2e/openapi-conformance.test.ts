/**
 * Every route of the API, its success answers and its error answers, called on the local stack: the
 * client validates each response against the OpenAPI document (test/support/openapi-contract.ts), and
 * the last test checks that every documented operation was seen with a success and an error status.
 */

import SwaggerParser from '@apidevtools/swagger-parser';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { PUBLIC_ROUTES, ROUTES, routeParts } from '../../src/contract/routes.js';
import { readFixture } from '../support/fixtures.js';
import { documentedOperations, validatedResponses } from '../support/openapi-contract.js';
import { type JobBody, localS3, pipelineClient } from '../support/pipeline-client.js';
import { closeReceivers, receiver, reply } from '../support/webhook-receiver.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
});
afterAll(async () => {
  await closeReceivers();
  client?.close();
  await pipeline?.stop();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const MISSING_JOB = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const ended = (status: string) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(status);

async function putSource(name: string, body: Buffer, contentType: string): Promise<string> {
  const key = `t/${pipeline.tenant}/conformance/${name}`;
  const s3 = localS3(pipeline);
  await s3.send(
    new PutObjectCommand({
      Bucket: pipeline.stack.bucketName('UploadsBucket'),
      Key: key,
      Body: body,
      ContentType: contentType,
    }),
  );
  s3.destroy();
  return key;
}

/**
 * The tests wait for real jobs and a batch (until() gives up after 60 s of waiting for each); the
 * default 30 s timeout cut them short in a stress run (two suites at once on 2 cores).
 */
const TIMEOUT_MS = 240_000;

describe('the API answers what its OpenAPI document says, errors included', { timeout: TIMEOUT_MS }, () => {
  it('serves a valid OpenAPI 3.1 document and a health report without a key', async () => {
    const document = await client.api<Record<string, unknown>>('GET', '/openapi.json', { apiKey: null });
    expect(document.status).toBe(200);
    const parsed = await SwaggerParser.validate(structuredClone(document.body) as never);
    expect(parsed.info.title).toBe('media-pipeline');
    expect((document.body.servers as { url: string }[])[0]?.url).toBe(pipeline.apiUrl);

    const health = await client.api<{ status: string; checks: Record<string, { status: string }> }>(
      'GET',
      '/health',
      { apiKey: null },
    );
    expect(health.status).toBe(200);
    expect(Object.keys(health.body.checks).sort()).toEqual([
      'dynamodb:jobs-table',
      's3:outputs',
      's3:uploads',
      'sqs:jobs-normal',
    ]);
    expect(Object.values(health.body.checks).every((check) => check.status === 'pass')).toBe(true);
  });

  it('jobs, uploads and near-duplicates', async () => {
    expect((await client.api('GET', '/jobs', { apiKey: null })).status).toBe(401);
    const job = await client.upload(readFixture('Landscape_6.jpg'), 'a.jpg', 'image/jpeg');
    const done = await until(async () => {
      const current = await client.job(job.id);
      return ended(current.status) ? current : undefined;
    });
    expect(done.status).toBe('COMPLETED');

    const bad = await client.api('POST', '/uploads', { body: { fileName: 'a.jpg' } });
    expect(bad.status).toBe(400);
    const huge = await client.api('POST', '/uploads', {
      body: { fileName: 'a.jpg', contentType: 'image/jpeg', size: 10 ** 12 },
    });
    expect(huge.status).toBe(413);
    const notMedia = await client.api('POST', '/uploads', {
      body: { fileName: 'a.txt', contentType: 'text/plain', size: 10 },
    });
    expect(notMedia.status).toBe(415);

    const key = await putSource('b.jpg', readFixture('Landscape_6.jpg'), 'image/jpeg');
    const submitted = await client.api<JobBody>('POST', '/jobs', { body: { source: { key } } });
    expect(submitted.status).toBe(202);
    expect((await client.api('POST', '/jobs', { body: { source: { key: 'elsewhere/x.jpg' } } })).status).toBe(
      403,
    );
    expect((await client.api('POST', '/jobs', { body: {} })).status).toBe(400);

    expect((await client.api('GET', '/jobs?limit=2', { retry: true })).status).toBe(200);
    expect((await client.api('GET', '/jobs?limit=0', { retry: true })).status).toBe(400);
    expect((await client.api('GET', `/jobs/${MISSING_JOB}`, { retry: true })).status).toBe(404);
    const waiting = await client.requestUpload('c.jpg', 100);
    expect((await client.api('DELETE', `/jobs/${waiting.job.id}`)).status).toBe(200);
    expect((await client.api('DELETE', `/jobs/${waiting.job.id}`)).status).toBe(409);
    expect((await client.api('DELETE', `/jobs/${MISSING_JOB}`)).status).toBe(404);

    expect((await client.api('GET', `/assets/${job.id}/similar`, { retry: true })).status).toBe(200);
    expect(
      (await client.api('GET', `/assets/${job.id}/similar?maxDistance=99`, { retry: true })).status,
    ).toBe(400);
    expect((await client.api('GET', `/assets/${MISSING_JOB}/similar`, { retry: true })).status).toBe(404);
    const pdq = done.hashes?.pdq.hash as string;
    expect((await client.api('POST', '/similar', { body: { pdq: { hash: pdq } }, retry: true })).status).toBe(
      200,
    );
    expect(
      (await client.api('POST', '/similar', { body: { pdq: { hash: 'zz' } }, retry: true })).status,
    ).toBe(400);
  });

  it('presets', async () => {
    const outputs = [{ name: 'small', format: 'webp', width: 64 }];
    expect((await client.api('GET', '/presets', { retry: true })).status).toBe(200);
    expect((await client.api('PUT', '/presets/tiny', { body: { outputs } })).status).toBe(201);
    expect((await client.api('PUT', '/presets/tiny', { body: { outputs } })).status).toBe(200);
    expect((await client.api('PUT', '/presets/tiny', { body: { outputs: [] } })).status).toBe(400);
    expect((await client.api('PUT', '/presets/web', { body: { outputs } })).status).toBe(409);
    expect((await client.api('GET', '/presets/tiny', { retry: true })).status).toBe(200);
    expect((await client.api('GET', '/presets/nope', { retry: true })).status).toBe(404);
    expect((await client.api('DELETE', '/presets/tiny')).status).toBe(204);
    expect((await client.api('DELETE', '/presets/tiny')).status).toBe(404);
  });

  it('webhooks and their deliveries', async () => {
    const target = await receiver(reply(204));
    const created = await client.api<{ id: string }>('POST', '/webhooks', {
      body: { url: target.url, eventTypes: ['media.job.completed'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await client.api('POST', '/webhooks', { body: { url: 'not a url' } })).status).toBe(400);
    expect((await client.api('GET', '/webhooks', { retry: true })).status).toBe(200);
    expect((await client.api('GET', `/webhooks/${id}`, { retry: true })).status).toBe(200);
    expect((await client.api('GET', '/webhooks/wh_01ARZ3NDEKTSV4RRFFQ69G5FAV', { retry: true })).status).toBe(
      404,
    );
    expect((await client.api('POST', `/webhooks/${id}/rotate-secret`, { body: {} })).status).toBe(200);
    const tooLong = { body: { overlapSeconds: -1 } };
    expect((await client.api('POST', `/webhooks/${id}/rotate-secret`, tooLong)).status).toBe(400);
    expect((await client.api('POST', `/webhooks/${id}/enable`)).status).toBe(200);
    expect((await client.api('POST', '/webhooks/wh_01ARZ3NDEKTSV4RRFFQ69G5FAV/enable')).status).toBe(404);

    await client.upload(readFixture('Landscape_6.jpg'), 'd.jpg', 'image/jpeg');
    const delivered = await until(async () => {
      const page = await client.api<{ deliveries: { id: string; status: string }[] }>(
        'GET',
        `/webhooks/${id}/deliveries?status=DELIVERED`,
      );
      return page.body.deliveries[0];
    });
    expect((await client.api('GET', `/webhooks/${id}/deliveries?status=LOST`, { retry: true })).status).toBe(
      400,
    );
    expect((await client.api('POST', `/webhooks/deliveries/${delivered.id}/replay`)).status).toBe(202);
    expect((await client.api('POST', '/webhooks/deliveries/dlv_nope/replay')).status).toBe(404);
    expect((await client.api('DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await client.api('DELETE', `/webhooks/${id}`)).status).toBe(404);
    expect((await client.api('GET', `/webhooks/${id}/deliveries`, { retry: true })).status).toBe(404);
  });

  it('batches, their jobs and reports', async () => {
    const good = await putSource('e.jpg', readFixture('Landscape_6.jpg'), 'image/jpeg');
    const broken = await putSource('f.jpg', Buffer.from('not an image'), 'image/jpeg');
    const created = await client.api<{ id: string }>('POST', '/batches', {
      body: {
        name: 'conformance',
        jobs: [
          { ref: 'good', source: { key: good } },
          { ref: 'broken', source: { key: broken } },
        ],
      },
    });
    expect(created.status).toBe(202);
    const batchId = created.body.id;
    expect((await client.api('POST', '/batches', { body: { name: 'x', jobs: [] } })).status).toBe(400);
    const cycle = {
      name: 'cycle',
      jobs: [
        { ref: 'a', source: { key: good }, dependsOn: ['b'] },
        { ref: 'b', source: { key: good }, dependsOn: ['a'] },
      ],
    };
    expect((await client.api('POST', '/batches', { body: cycle })).status).toBe(422);
    const report = await client.api('GET', `/batches/${batchId}/report`, { retry: true });
    const finished = await until(async () => {
      const batch = await client.api<{ status: string; jobs: JobBody[] }>('GET', `/batches/${batchId}`, {
        retry: true,
      });
      return batch.body.status === 'COMPLETED' ? batch.body : undefined;
    });
    // Asked while the batch ran, the report was not ready; once it ended, it is (JSON and CSV).
    expect([200, 409]).toContain(report.status);
    expect((await client.api('GET', `/batches/${batchId}/report`, { retry: true })).status).toBe(200);
    const csv = await client.api('GET', `/batches/${batchId}/report?format=csv`, { retry: true });
    expect(csv.contentType).toMatch(/^text\/csv/);
    expect((await client.api('GET', `/batches/${batchId}?limit=500`, { retry: true })).status).toBe(400);
    const listed = await client.api<{ batches: { id: string }[] }>('GET', '/batches?limit=5', {
      retry: true,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.batches.map((b) => b.id)).toContain(batchId);
    expect((await client.api('GET', '/batches?limit=0', { retry: true })).status).toBe(400);
    expect((await client.api('GET', `/batches/${MISSING_JOB}`, { retry: true })).status).toBe(404);

    const failed = finished.jobs.find((job) => job.status === 'FAILED') as JobBody;
    const completed = finished.jobs.find((job) => job.status === 'COMPLETED') as JobBody;
    expect((await client.api('POST', `/batches/${batchId}/jobs/${failed.id}/retry`)).status).toBe(202);
    expect((await client.api('POST', `/batches/${batchId}/jobs/${completed.id}/retry`)).status).toBe(409);
    expect((await client.api('DELETE', `/batches/${batchId}/jobs/${completed.id}`)).status).toBe(409);
    expect((await client.api('DELETE', `/batches/${batchId}`)).status).toBe(409);

    const later = await client.api<{ id: string; status: string }>('POST', '/batches', {
      body: {
        name: 'later',
        startAt: new Date(Date.now() + 3_600_000).toISOString(),
        jobs: [{ ref: 'one', source: { key: good } }],
      },
    });
    expect(later.body.status).toBe('SCHEDULED');
    const scheduled = await client.api<{ jobs: JobBody[] }>('GET', `/batches/${later.body.id}`, {
      retry: true,
    });
    const pending = scheduled.body.jobs[0] as JobBody;
    expect((await client.api('DELETE', `/batches/${later.body.id}/jobs/${pending.id}`)).status).toBe(200);
    expect((await client.api('DELETE', `/batches/${later.body.id}`)).status).toBe(200);
    expect((await client.api('DELETE', `/batches/${MISSING_JOB}/jobs/${MISSING_JOB}`)).status).toBe(404);
    expect((await client.api('POST', `/batches/${MISSING_JOB}/jobs/${MISSING_JOB}/retry`)).status).toBe(404);
    expect((await client.api('GET', `/batches/${MISSING_JOB}/report`, { retry: true })).status).toBe(404);
  });

  it('statistics and dead letters', async () => {
    const stats = await client.api<{ window: { jobs: number }; jobs: { unfinished: number } }>(
      'GET',
      '/stats',
    );
    expect(stats.status).toBe(200);
    expect(stats.body.window.jobs).toBeGreaterThan(0);
    expect((await client.api('GET', '/dead-letters', { retry: true })).status).toBe(200);
    expect((await client.api('GET', '/dead-letters?limit=0', { retry: true })).status).toBe(400);
    const redrive = await client.api<{ redriven: string[] }>('POST', '/dead-letters/redrive', { body: {} });
    expect(redrive.status).toBe(200);
    expect(redrive.body.redriven).toEqual([]);
    expect((await client.api('POST', '/dead-letters/redrive', { body: { limit: 0 } })).status).toBe(400);
  });

  it('every keyed route answers 401 problem details without a key, or with a wrong one', async () => {
    for (const key of Object.values(ROUTES)) {
      if (PUBLIC_ROUTES.includes(key)) continue;
      const { method, path } = routeParts(key);
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      expect((await client.api(method, concrete, { apiKey: null })).status, key).toBe(401);
      expect((await client.api(method, concrete, { apiKey: 'mp_wrong' })).status, key).toBe(401);
    }
  });

  it('saw every documented operation answer, with a success and (keyed routes) an error', () => {
    const seen = [...validatedResponses];
    for (const operation of documentedOperations) {
      const statuses = seen.filter((entry) => entry.startsWith(`${operation} `)).map((e) => e.split(' ')[1]);
      expect(
        statuses.some((s) => /^2/.test(s as string)),
        `${operation}: ${statuses}`,
      ).toBe(true);
      if (operation !== 'openApi' && operation !== 'health') {
        expect(
          statuses.some((s) => /^4/.test(s as string)),
          `${operation}: ${statuses}`,
        ).toBe(true);
      }
    }
  });
});
