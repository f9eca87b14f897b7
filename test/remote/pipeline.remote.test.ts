import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/jobs/job-view.js';
import { readFixture } from '../support/fixtures.js';

/**
 * Smoke suite for a deployed stack (AWS, or LocalStack via localstack/run.sh), over HTTP only: it needs
 * MEDIA_PIPELINE_API_URL and MEDIA_PIPELINE_API_KEY (as the CLI does) and is skipped without them, so a
 * plain `npm test` reports it as skipped. Run it with `npx vitest run test/remote`.
 */
const apiUrl = process.env.MEDIA_PIPELINE_API_URL?.replace(/\/$/, '');
const apiKey = process.env.MEDIA_PIPELINE_API_KEY;

const POLL_MS = 2_000;
/** Cold starts, emulated arm64 Lambda containers on LocalStack: generous. */
const COMPLETION_TIMEOUT_MS = 180_000;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

interface UploadGrant {
  job: JobView;
  upload: { url: string; fields: Record<string, string> };
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      'x-api-key': apiKey ?? '',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function requestUpload(fileName: string, size: number): Promise<UploadGrant> {
  const created = await api<UploadGrant>('POST', '/uploads', {
    fileName,
    contentType: 'image/jpeg',
    size,
    outputs: { preset: 'web' },
  });
  if (created.status !== 201)
    throw new Error(`POST /uploads: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** The presigned POST as a browser form sends it: the policy fields, then the file (last, as S3 requires). */
async function postFile(grant: UploadGrant['upload'], data: Buffer, contentType: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(data)], { type: contentType }), 'upload');
  const response = await fetch(grant.url, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

async function upload(data: Buffer, fileName: string): Promise<JobView> {
  const grant = await requestUpload(fileName, data.length);
  expect(grant.job.status).toBe('AWAITING_UPLOAD');
  const posted = await postFile(grant.upload, data, 'image/jpeg');
  // S3 answers 204 unless the policy sets success_action_status.
  if (posted.status >= 300) throw new Error(`presigned POST: ${posted.status} ${posted.body.slice(0, 500)}`);
  return grant.job;
}

/** Polls GET /jobs/{id} until the job ends (COMPLETED, FAILED or CANCELLED). */
async function settled(id: string): Promise<JobView> {
  const deadline = Date.now() + COMPLETION_TIMEOUT_MS;
  let last: JobView | undefined;
  while (Date.now() < deadline) {
    const response = await api<JobView>('GET', `/jobs/${id}`);
    expect(response.status).toBe(200);
    last = response.body;
    if (TERMINAL.has(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(
    `job ${id} did not end within ${COMPLETION_TIMEOUT_MS / 1000}s (last: ${last?.status} ${last?.stage})`,
  );
}

function imageFormat(bytes: Buffer): 'jpeg' | 'webp' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

describe.skipIf(!apiUrl || !apiKey)('deployed stack over HTTP (MEDIA_PIPELINE_API_URL)', () => {
  it(
    'completes an image uploaded with the presigned POST; an output URL serves a JPEG or WebP',
    async () => {
      const created = await upload(readFixture('Landscape_6.jpg'), 'Landscape_6.jpg');
      const job = await settled(created.id);
      expect(job.error, JSON.stringify(job.error)).toBeUndefined();
      expect(job).toMatchObject({ id: created.id, status: 'COMPLETED', progress: 100 });
      expect(job.outputs?.length).toBeGreaterThan(0);

      const output = job.outputs?.[0];
      if (!output) throw new Error('no outputs');
      const response = await fetch(output.url);
      expect(response.status).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.length).toBe(output.bytes);
      const format = imageFormat(bytes);
      expect(['jpeg', 'webp']).toContain(format);
      expect(format).toBe(output.format);
    },
    COMPLETION_TIMEOUT_MS + 60_000,
  );

  it(
    'fails a text file declared image/jpeg with an error code',
    async () => {
      const text = Buffer.from('this is not a picture, whatever the content type says\n'.repeat(20));
      const created = await upload(text, 'not-a-picture.jpg');
      const job = await settled(created.id);
      expect(job.status).toBe('FAILED');
      expect(job.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', retryable: false });
      expect(job.outputs).toBeUndefined();
    },
    COMPLETION_TIMEOUT_MS + 60_000,
  );

  it('cancels a job awaiting upload with DELETE /jobs/{id}', async () => {
    const grant = await requestUpload('never-sent.jpg', 1000);
    expect(grant.job.status).toBe('AWAITING_UPLOAD');
    const cancelled = await api<JobView>('DELETE', `/jobs/${grant.job.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const job = await api<JobView>('GET', `/jobs/${grant.job.id}`);
    expect(job.body.status).toBe('CANCELLED');
  });
});
