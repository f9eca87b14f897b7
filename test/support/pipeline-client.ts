import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalPipeline } from '../../local/pipeline.js';
import type { JobView } from '../../src/jobs/job-view.js';
import { assertResponseMatchesContract, ContractViolation } from './openapi-contract.js';
import { TEST_SEED, testRandom } from './seed.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
  /** How many requests it took (more than 1 only with `retry`). */
  attempts: number;
}

/**
 * How a client retries a 5xx or a failed connection: exponential backoff with full jitter. The local
 * API's function answers 500 when it hits its 10 s timeout on a saturated one-process stack (middy's
 * timeoutEarlyResponse), so a busy stack can take a few tries. 8 attempts back off for at most ~40 s.
 * (A 429 is the API's admission answer, not overload: it is not retried.)
 */
const RETRY = { attempts: 8, baseMs: 250, maxMs: 12_000 };
const retryable = (status: number) => status >= 500;
const isJson = (contentType: string) => /^application\/([\w.-]+\+)?json\b/.test(contentType);
/** POST routes that honour Idempotency-Key, so a retry cannot create a second job or batch. */
const IDEMPOTENT_POSTS = /^\/(jobs|uploads|batches)(\?|$)/;
/** POST routes that only read (a query in the body): safe to repeat as they are. */
const READ_ONLY_POSTS = /^\/similar(\?|$)/;
let idempotencyKeys = 0;
/** Unique per process (each test file runs in its own), reproducible from the run's seed. */
export const newIdempotencyKey = () => `test-${TEST_SEED}-${process.pid}-${++idempotencyKeys}`;

export interface UploadGrant {
  job: { id: string; status: string; source: { key: string } };
  upload: { url: string; fields: Record<string, string> };
}

/** A test client for a running local pipeline: the HTTP API, presigned POSTs and the ingest queue. */
/** An S3 client for the local stack's S3 endpoint (path style, the credentials s3rver accepts). */
export function localS3(pipeline: LocalPipeline): S3Client {
  return new S3Client({
    endpoint: pipeline.stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

export function pipelineClient(pipeline: LocalPipeline) {
  const sqs = new SQSClient({
    endpoint: pipeline.stack.sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

  const jitter = testRandom('pipeline-client retry jitter');

  /**
   * One API request. With `retry`, a 5xx or a failed connection is retried as a real client
   * would: with backoff, and for POST /jobs, /uploads and /batches with an Idempotency-Key (the caller's,
   * or a new one), so a retry of a request that did create something answers 200 with that job or batch
   * instead of creating a second. Other methods retry only when safe to repeat (GET, HEAD).
   */
  async function api<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      apiKey?: string | null;
      headers?: Record<string, string>;
      retry?: boolean;
    } = {},
  ): Promise<ApiResponse<T>> {
    const apiKey = options.apiKey === undefined ? pipeline.apiKey : options.apiKey;
    const headers: Record<string, string> = {
      ...(apiKey === null ? {} : { 'x-api-key': apiKey }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    if (
      options.retry &&
      method !== 'GET' &&
      method !== 'HEAD' &&
      !(method === 'POST' && READ_ONLY_POSTS.test(path))
    ) {
      if (method !== 'POST' || !IDEMPOTENT_POSTS.test(path))
        throw new Error(`${method} ${path} is not safe to retry`);
      const given = Object.keys(headers).find((name) => name.toLowerCase() === 'idempotency-key');
      if (!given) headers['idempotency-key'] = newIdempotencyKey();
    }
    const attempts = options.retry ? RETRY.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const response = await fetch(`${pipeline.apiUrl}${path}`, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
        const text = await response.text();
        const contentType = response.headers.get('content-type') ?? '';
        const result: ApiResponse<T> = {
          status: response.status,
          contentType,
          // JSON bodies parsed; other media types (the batch report's CSV) kept as text.
          body: (text ? (isJson(contentType) ? JSON.parse(text) : text) : {}) as T,
          attempts: attempt,
        };
        // Every answer, errors included, must be what the OpenAPI document says (docs/openapi.json).
        assertResponseMatchesContract(method, path, { ...result, body: text ? result.body : undefined });
        if (attempt >= attempts || !retryable(result.status)) return result;
        failure = `${result.status} ${text}`;
      } catch (error) {
        if (error instanceof ContractViolation || attempt >= attempts) throw error;
        failure = String(error);
      }
      const delay = jitter() * Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** attempt);
      console.error(`${method} ${path}: ${failure}; retry ${attempt} in ${Math.round(delay)} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Sends `data` through the presigned POST exactly as a browser form would. */
  async function postFile(grant: UploadGrant['upload'], data: Buffer, contentType: string) {
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array(data)], { type: contentType }), 'upload');
    const response = await fetch(grant.url, { method: 'POST', body: form });
    return { status: response.status, body: await response.text() };
  }

  /** POST /uploads only: the job and its presigned POST, which the test then uses (or not) itself. */
  async function requestUpload(
    fileName: string,
    size: number,
    extra: Record<string, unknown> = {},
    apiKey?: string,
  ) {
    const created = await api<UploadGrant>('POST', '/uploads', {
      body: { fileName, contentType: 'image/jpeg', size, outputs: { preset: 'web' }, ...extra },
      apiKey,
      retry: true,
    });
    // 200: a retry found the job its failed first try had created after all (same Idempotency-Key).
    if (created.status !== 201 && !(created.status === 200 && created.attempts > 1))
      throw new Error(`POST /uploads: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  }

  /** POST /uploads then the presigned POST: the browser flow. */
  async function upload(
    data: Buffer,
    fileName: string,
    contentType: string,
    extra: Record<string, unknown> = {},
  ) {
    const grant = await requestUpload(fileName, data.length, { contentType, ...extra });
    const posted = await postFile(grant.upload, data, contentType);
    if (posted.status !== 204) throw new Error(`presigned POST: ${posted.status} ${posted.body}`);
    return grant.job;
  }

  async function job(id: string, apiKey?: string) {
    return (await api<JobBody>('GET', `/jobs/${id}`, { apiKey, retry: true })).body;
  }

  /** Puts an S3 notification on the ingest queue, as S3 does (and as it may do twice). */
  async function sendS3Event(bucket: string, key: string, size: number) {
    const body = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Post',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size, eTag: 'e' },
          },
        },
      ],
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.stack.queueUrl('IngestQueue'),
        MessageBody: JSON.stringify(body),
      }),
    );
  }

  async function sendRaw(body: string) {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: pipeline.stack.queueUrl('IngestQueue'), MessageBody: body }),
    );
  }

  return { api, postFile, requestUpload, upload, job, sendS3Event, sendRaw, close: () => sqs.destroy() };
}

/** The API's job representation, as the tests read it. */
export type JobBody = JobView;
