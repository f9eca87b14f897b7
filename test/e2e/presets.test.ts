import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { readFixture } from '../support/fixtures.js';
import { type JobBody, pipelineClient } from '../support/pipeline-client.js';

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

const banner = [
  { name: 'banner', format: 'webp', width: 300, height: 100, fit: 'cover', position: 'attention' },
  { name: 'banner-png', format: 'png', width: 150, height: 50, fit: 'cover', palette: true },
];

describe('presets: built-in, tenant-saved, with overrides', () => {
  it('lists the built-in presets and saves, reads, replaces and deletes a tenant preset', async () => {
    const listed = await client.api<{ presets: { name: string; builtIn: boolean }[] }>('GET', '/presets');
    expect(listed.body.presets.filter((p) => p.builtIn).map((p) => p.name)).toEqual([
      'thumbnail',
      'web',
      'social',
      'archive',
    ]);
    const created = await client.api('PUT', '/presets/banners', { body: { outputs: banner } });
    expect(created.status).toBe(201);
    const replaced = await client.api('PUT', '/presets/banners', { body: { outputs: banner } });
    expect(replaced.status).toBe(200);
    expect((await client.api('GET', '/presets/banners')).body).toMatchObject({
      name: 'banners',
      builtIn: false,
    });

    // Tenant presets are the tenant's own.
    const otherKey = await pipeline.createApiKey('preset-neighbour');
    expect((await client.api('GET', '/presets/banners', { apiKey: otherKey })).status).toBe(404);

    expect((await client.api('DELETE', '/presets/banners')).status).toBe(204);
    expect((await client.api('GET', '/presets/banners')).status).toBe(404);
  });

  it('refuses built-in names, bad names and invalid specs with problems', async () => {
    expect((await client.api('PUT', '/presets/web', { body: { outputs: banner } })).body).toMatchObject({
      status: 409,
      code: 'PRESET_RESERVED',
    });
    expect((await client.api('PUT', '/presets/Bad%20Name', { body: { outputs: banner } })).status).toBe(400);
    const invalid = await client.api('PUT', '/presets/broken', {
      body: { outputs: [{ name: 'x', format: 'gif' }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.contentType).toBe('application/problem+json');
  });

  it('renders a job with a tenant preset, snapshotted when the job is created', async () => {
    await client.api('PUT', '/presets/banners', { body: { outputs: banner } });
    const created = await client.requestUpload('banner.jpg', readFixture('Landscape_5.jpg').length, {
      outputs: { preset: 'banners' },
    });
    // Editing the preset now does not change the job already created.
    await client.api('PUT', '/presets/banners', { body: { outputs: [banner[0]] } });
    expect((await client.postFile(created.upload, readFixture('Landscape_5.jpg'), 'image/jpeg')).status).toBe(
      204,
    );
    await pipeline.stack.idle(60_000);
    const job = await client.job(created.job.id);
    expect(job.status).toBe('COMPLETED');
    expect(job.outputs?.map((o) => [o.name, o.format, o.width, o.height])).toEqual([
      ['banner', 'webp', 300, 100],
      ['banner-png', 'png', 150, 50],
    ]);
  });

  it('applies overrides to a built-in preset, and refuses unknown presets and overrides that do not fit', async () => {
    const job = await client.upload(readFixture('Landscape_1.jpg'), 'avif.jpg', 'image/jpeg', {
      outputs: { preset: 'thumbnail', overrides: { format: 'avif', quality: 'low' } },
    });
    await pipeline.stack.idle(60_000);
    const done = await client.job(job.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.outputs?.map((o) => o.format)).toEqual(['avif', 'avif']);

    const unknown = await client.api<JobBody>('POST', '/uploads', {
      body: { fileName: 'a.jpg', contentType: 'image/jpeg', size: 10, outputs: { preset: 'nope' } },
    });
    expect(unknown.body).toMatchObject({ status: 400, code: 'UNKNOWN_PRESET' });
    const misfit = await client.api('POST', '/uploads', {
      body: {
        fileName: 'a.jpg',
        contentType: 'image/jpeg',
        size: 10,
        outputs: { preset: 'archive', overrides: { effort: 10 } },
      },
    });
    expect(misfit.body).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});
