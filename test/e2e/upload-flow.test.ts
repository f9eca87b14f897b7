import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { createApiKeyCommand, revokeApiKeyCommand } from '../../src/cli/commands.js';
import { hashApiKey } from '../../src/tenants/api-keys.js';
import { fixturePath, readFixture } from '../support/fixtures.js';
import { type JobBody, localS3, pipelineClient } from '../support/pipeline-client.js';

let pipeline: LocalPipeline;
let client: ReturnType<typeof pipelineClient>;
let s3: S3Client;
let uploadsBucket: string;

beforeAll(async () => {
  pipeline = await startLocalPipeline();
  client = pipelineClient(pipeline);
  s3 = localS3(pipeline);
  uploadsBucket = pipeline.stack.outputs.UploadsBucketName ?? '';
});

afterAll(async () => {
  client?.close();
  s3?.destroy();
  await pipeline?.stop();
});

async function settled(id: string): Promise<JobBody> {
  await pipeline.stack.idle(60_000);
  return client.job(id);
}

describe('local pipeline end to end: presigned POST → S3 event → SQS → worker', () => {
  it('completes an EXIF-rotated JPEG with readable, upright outputs of the web preset', async () => {
    const data = readFixture('Landscape_6.jpg');
    const created = await client.upload(data, 'Landscape 6.jpg', 'image/jpeg');
    expect(created.status).toBe('AWAITING_UPLOAD');
    expect(created.source.key).toBe(`uploads/normal/t/demo/${created.id}/Landscape_6.jpg`);

    const job = await settled(created.id);
    expect(job).toMatchObject({ status: 'COMPLETED', progress: 100, stage: 'done' });
    expect(job.sourceMetadata).toMatchObject({ detectedType: 'image/jpeg', declaredType: 'image/jpeg' });
    // The placeholder is a thumbhash of the upright image: landscape, as the outputs.
    const { thumbHashToApproximateAspectRatio } = await import('thumbhash');
    const thumbhash = Buffer.from(job.placeholder?.thumbhash ?? '', 'base64');
    expect(thumbHashToApproximateAspectRatio(thumbhash)).toBeGreaterThan(1.2);
    expect(job.outputs?.map((o) => o.name).sort()).toEqual(['large', 'large-webp', 'medium-webp', 'thumb']);

    const reference = await sharp(fixturePath('Landscape_1.jpg'))
      .resize(8, 6, { fit: 'fill' })
      .raw()
      .toBuffer();
    for (const output of job.outputs ?? []) {
      const response = await fetch(output.url);
      expect(response.status).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.length).toBe(output.bytes);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe(output.format);
      expect([meta.width, meta.height]).toEqual([output.width, output.height]);
      expect(meta.orientation ?? 1).toBe(1);
      if (output.name === 'large') {
        expect([meta.width, meta.height]).toEqual([600, 450]);
        // Upright: it looks like the orientation-1 original, pixel for pixel within JPEG noise.
        const pixels = await sharp(bytes).resize(8, 6, { fit: 'fill' }).raw().toBuffer();
        const meanError =
          pixels.reduce((sum, v, i) => sum + Math.abs(v - (reference[i] ?? 0)), 0) / pixels.length;
        expect(meanError).toBeLessThan(6);
      }
    }
  });

  it('lists the caller’s jobs newest first, paginated with a cursor', async () => {
    const data = readFixture('Landscape_1.jpg');
    const first = await client.upload(data, 'a.jpg', 'image/jpeg');
    const second = await client.upload(data, 'b.jpg', 'image/jpeg');
    await pipeline.stack.idle(60_000);
    const page1 = await client.api<{ jobs: JobBody[]; cursor?: string }>('GET', '/jobs?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.jobs.map((j) => j.id)).toEqual([second.id]);
    expect(page1.body.cursor).toBeTruthy();
    const page2 = await client.api<{ jobs: JobBody[] }>(
      'GET',
      `/jobs?limit=1&cursor=${encodeURIComponent(page1.body.cursor ?? '')}`,
    );
    expect(page2.body.jobs.map((j) => j.id)).toEqual([first.id]);
    const badCursor = await client.api('GET', '/jobs?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
  });

  it('processes an object already in the uploads bucket through POST /jobs', async () => {
    const key = 't/demo/library/flowers.jpeg';
    const data = readFixture('flowers.jpeg');
    await s3.send(
      new PutObjectCommand({ Bucket: uploadsBucket, Key: key, Body: data, ContentType: 'image/jpeg' }),
    );
    const submitted = await client.api<JobBody>('POST', '/jobs', {
      body: { source: { key }, outputs: { preset: 'thumbnail' } },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.status).toBe('QUEUED');
    const job = await settled(submitted.body.id);
    expect(job.status).toBe('COMPLETED');
    expect(job.outputs?.map((o) => [o.name, o.width, o.height])).toEqual([
      ['thumb', 320, 320],
      ['thumb-webp', 320, 320],
    ]);
    const thumb = await s3.send(
      new GetObjectCommand({ Bucket: pipeline.stack.outputs.OutputsBucketName, Key: job.outputs?.[0]?.key }),
    );
    expect(thumb.ContentType).toBe('image/jpeg');
  });

  it('cancels a job awaiting upload; a later upload leaves it CANCELLED', async () => {
    const data = readFixture('Landscape_1.jpg');
    const created = await client.requestUpload('late.jpg', data.length);
    const cancelled = await client.api<JobBody>('DELETE', `/jobs/${created.job.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await client.postFile(created.upload, data, 'image/jpeg')).status).toBe(204);
    const job = await settled(created.job.id);
    expect(job.status).toBe('CANCELLED');
    expect(job.outputs).toBeUndefined();
    const again = await client.api('DELETE', `/jobs/${created.job.id}`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('local pipeline: bad input is refused clearly and loses nothing', () => {
  it('refuses a file larger than the declared size at the presigned POST (content-length-range)', async () => {
    const created = await client.requestUpload('big.jpg', 1000);
    const posted = await client.postFile(created.upload, Buffer.alloc(2000, 1), 'image/jpeg');
    expect(posted.status).toBe(400);
    expect(posted.body).toContain('EntityTooLarge');
    await pipeline.stack.idle();
    expect((await client.job(created.job.id)).status).toBe('AWAITING_UPLOAD');
  });

  it('refuses a declared size over the stage limit with a 413 problem', async () => {
    const response = await client.api('POST', '/uploads', {
      body: { fileName: 'huge.jpg', contentType: 'image/jpeg', size: 10 ** 12, outputs: { preset: 'web' } },
    });
    expect(response.status).toBe(413);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 413, code: 'OBJECT_TOO_LARGE' });
  });

  it('refuses a zero-byte upload by policy, and fails a zero-byte object submitted by key', async () => {
    const created = await client.requestUpload('empty.jpg', 10);
    const posted = await client.postFile(created.upload, Buffer.alloc(0), 'image/jpeg');
    expect(posted.status).toBe(400);
    expect(posted.body).toContain('EntityTooSmall');

    const key = 't/demo/library/empty.jpg';
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucket, Key: key, Body: Buffer.alloc(0) }));
    const submitted = await client.api<JobBody>('POST', '/jobs', { body: { source: { key } } });
    expect(submitted.status).toBe(202);
    const job = await settled(submitted.body.id);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'EMPTY_OBJECT', retryable: false });
  });

  it('fails a text file named .jpg by its magic bytes, and other jobs are unaffected', async () => {
    const text = Buffer.from('this is not a picture, whatever the name says\n'.repeat(20));
    const bad = await client.upload(text, 'holiday.jpg', 'image/jpeg');
    const good = await client.upload(readFixture('Landscape_3.jpg'), 'fine.jpg', 'image/jpeg');
    const failed = await settled(bad.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', retryable: false });
    expect(failed.outputs).toBeUndefined();
    expect((await client.job(good.id)).status).toBe('COMPLETED');
  });

  it('refuses a source key outside the caller’s tenant prefix with 403', async () => {
    for (const key of ['t/other/uploads/x.jpg', 't/demo/../other/x.jpg', 'x.jpg']) {
      const response = await client.api('POST', '/jobs', { body: { source: { key } } });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'KEY_OUTSIDE_TENANT' });
    }
  });

  it('refuses invalid JSON and unknown fields with a 400 problem', async () => {
    const notJson = await fetch(`${pipeline.apiUrl}/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': pipeline.apiKey, 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    const unknown = await client.api('POST', '/uploads', {
      body: { fileName: 'a.jpg', contentType: 'image/jpeg', size: 1, outputs: { preset: 'web' }, evil: 1 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.contentType).toBe('application/problem+json');
  });

  it('accepts a key made by the CLI create-api-key command, and revoke-api-key removes it', async () => {
    const apiKey = await createApiKeyCommand({
      table: pipeline.stack.tableName('JobsTable'),
      tenant: 'cli-made',
    });
    expect(apiKey).toMatch(/^mpk_/);
    const listed = await client.api<{ jobs: JobBody[] }>('GET', '/jobs', { apiKey });
    expect(listed.status).toBe(200);
    expect(listed.body.jobs).toEqual([]);

    const table = pipeline.stack.tableName('JobsTable');
    expect(await revokeApiKeyCommand({ table, key: apiKey })).toBe('cli-made');
    expect(await revokeApiKeyCommand({ table, key: apiKey })).toBeUndefined();
    // The api function caches key lookups for up to a minute: a fresh key's first use after revocation
    // would be served from cache, so check the store itself (what a new cold start reads).
    expect(
      await new DynamoDbJobStore({ tableName: table }).tenantForKeyHash(hashApiKey(apiKey)),
    ).toBeUndefined();
    await expect(
      createApiKeyCommand({ table: pipeline.stack.tableName('JobsTable'), tenant: 'Bad Tenant' }),
    ).rejects.toThrow(/invalid tenant/);
  });

  it('answers 401 for a missing or wrong API key, and 404 for another tenant’s job', async () => {
    const missing = await client.api('GET', '/jobs', { apiKey: null });
    expect(missing.status).toBe(401);
    expect(missing.contentType).toBe('application/problem+json');
    const wrong = await client.api('GET', '/jobs', { apiKey: 'mpk_not-a-real-key' });
    expect(wrong.status).toBe(401);

    const mine = await client.upload(readFixture('Landscape_2.jpg'), 'mine.jpg', 'image/jpeg');
    const otherKey = await pipeline.createApiKey('acme');
    for (const method of ['GET', 'DELETE']) {
      const response = await client.api(method, `/jobs/${mine.id}`, { apiKey: otherKey });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    const theirs = await client.api<{ jobs: JobBody[] }>('GET', '/jobs', { apiKey: otherKey });
    expect(theirs.body.jobs).toEqual([]);
    await pipeline.stack.idle();
    expect((await client.job(mine.id)).status).toBe('COMPLETED');
  });
});
