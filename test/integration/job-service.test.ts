import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { problemFor } from '../../src/adapters/http/problems.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import { DomainError } from '../../src/core/domain-error.js';
import type { Priority } from '../../src/core/job.js';
import { JobService } from '../../src/jobs/job-service.js';
import { PresetService } from '../../src/presets/preset-service.js';
import { createJobsTable } from '../support/jobs-table.js';

// The use cases over the real adapters (dynalite, s3rver); only the queue is an in-memory port.
const TABLE = 'jobs-service-test';
const BUCKET = 'uploads-service-test';
const LIMIT = 3;
let emulators: Emulators;
let dynamo: DynamoDBClient;
let s3: S3Client;
let service: JobService;
const enqueued: { tenant: string; jobId: string; priority: Priority }[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  s3 = new S3Client({ endpoint: emulators.s3.endpoint, forcePathStyle: true, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 't/acme/library/a.jpg', Body: 'x' }));
  const config: PipelineConfig = {
    uploadsBucket: BUCKET,
    outputsBucket: 'outputs',
    jobsTable: TABLE,
    maxUploadBytes: 1024 * 1024,
    uploadUrlTtlSeconds: 60,
    jobLeaseMs: 60_000,
    maxVideoUploadBytes: 1024 * 1024,
    videoLeaseMs: 3_600_000,
    maxActiveJobsPerTenant: LIMIT,
    stage: 'dev',
  };
  service = new JobService({
    jobs: new DynamoDbJobStore({ tableName: TABLE, client: dynamo }),
    objects: new S3ObjectStore({ client: s3 }),
    queue: { enqueue: async (message) => void enqueued.push(message) },
    presets: new PresetService(new DynamoDbPresetStore({ tableName: TABLE, client: dynamo })),
    config,
  });
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await emulators?.stop();
});

const submit = (tenant: string, idempotencyKey?: string) =>
  service.submit(tenant, { source: { key: `t/${tenant}/library/a.jpg` }, priority: 'high' }, idempotencyKey);

describe('JobService: per-tenant admission limit', () => {
  it('refuses the job past the limit with 429, Retry-After and a problem body; others are unaffected', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await submit('acme', `k${i}`)).created).toBe(true);
    expect(enqueued.map((m) => m.priority)).toEqual(['high', 'high', 'high']);

    const refused = await submit('acme').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    const { details, headers } = problemFor(refused as DomainError);
    expect(details).toMatchObject({ status: 429, code: 'TENANT_LIMIT' });
    expect(headers['retry-after']).toBe('30');
    // Nothing was created or enqueued for the refused request.
    expect(enqueued).toHaveLength(LIMIT);
    expect((await service.list('acme', {})).jobs).toHaveLength(LIMIT);

    // A replay of an admitted request is still answered (it creates nothing).
    const replay = await submit('acme', 'k0');
    expect(replay.created).toBe(false);

    // Another tenant has its own budget.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 't/other/library/a.jpg', Body: 'x' }));
    expect((await submit('other')).created).toBe(true);

    // A finished job frees its slot.
    const [oldest] = (await service.list('acme', {})).jobs.slice(-1);
    await service.cancel('acme', oldest?.id ?? '');
    expect((await submit('acme')).created).toBe(true);
  });

  it('answers a replay with its job even when the source is gone since, and ignores key order', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 't/replay/library/a.jpg', Body: 'x' }));
    const body = { source: { key: 't/replay/library/a.jpg' }, metadata: { a: '1', b: '2' } };
    const first = await service.submit('replay', body, 'replay-key');
    expect(first.created).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 't/replay/library/a.jpg' }));
    const reordered = { metadata: { b: '2', a: '1' }, source: { key: 't/replay/library/a.jpg' } };
    const replay = await service.submit('replay', reordered, 'replay-key');
    expect(replay).toMatchObject({ created: false, job: { id: first.job.id } });
    // Without the key, the missing source is refused.
    const fresh = await service.submit('replay', body).catch((error: unknown) => error);
    expect(problemFor(fresh as DomainError).details).toMatchObject({ status: 422, code: 'SOURCE_NOT_FOUND' });
  });
});

describe('JobService: media types', () => {
  it('accepts a media type in any case, stores and signs one lowercase spelling', async () => {
    const result = await service.createUpload('casey', {
      fileName: 'a.jpg',
      contentType: 'IMAGE/JPEG',
      size: 100,
    });
    expect(result.created).toBe(true);
    expect(result.job.source.contentType).toBe('image/jpeg');
    expect(result.upload?.fields['Content-Type']).toBe('image/jpeg');
    await expect(
      service.createUpload('casey', { fileName: 'a.txt', contentType: 'Text/Plain', size: 100 }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
