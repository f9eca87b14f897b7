import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { resetDefaultClients, s3Client, s3ClientConfig } from '../../../src/adapters/aws/clients.js';
import { S3ObjectStore } from '../../../src/adapters/aws/s3-object-store.js';
import { PipelineError } from '../../../src/core/errors.js';
import { testBytes } from '../../support/seed.js';

/**
 * The S3 adapter against s3rver, through the DEFAULT client: the endpoint reaches the SDK only via
 * AWS_ENDPOINT_URL_S3 and path style via S3_FORCE_PATH_STYLE, exactly as the local runtime and
 * Lambda see them.
 */
const BUCKET = 'adapter-test-bucket';
let emulators: Emulators;
let client: S3Client;
let store: S3ObjectStore;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emulators = await startEmulators();
  process.env.AWS_ENDPOINT_URL_S3 = emulators.s3.endpoint;
  process.env.S3_FORCE_PATH_STYLE = 'true';
  delete process.env.AWS_REQUEST_CHECKSUM_CALCULATION;
  delete process.env.AWS_RESPONSE_CHECKSUM_VALIDATION;
  resetDefaultClients();
  client = s3Client();
  store = new S3ObjectStore();
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  resetDefaultClients();
  process.env = savedEnv;
  await emulators?.stop();
});

describe('default S3 client', () => {
  it('takes its endpoint from AWS_ENDPOINT_URL_S3 and path style from S3_FORCE_PATH_STYLE', async () => {
    const endpoint = await client.config.endpoint?.();
    expect(endpoint).toBeUndefined(); // not configured explicitly ...
    const url = await store.presignGet(BUCKET, 'x.txt', 60);
    // ... yet requests go to the emulator, bucket in the path.
    expect(url.startsWith(`${emulators.s3.endpoint}/${BUCKET}/x.txt?`)).toBe(true);
    expect(client.config.forcePathStyle).toBe(true);
  });

  it('computes checksums only when required, unless the standard env variables say otherwise', async () => {
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(
      s3ClientConfig({ AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED' }).requestChecksumCalculation,
    ).toBeUndefined(); // left to the SDK, which reads the variable itself
    expect(s3ClientConfig({}).forcePathStyle).toBe(false);
    process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_SUPPORTED';
    const fromEnv = new S3Client(s3ClientConfig());
    try {
      expect(await fromEnv.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
      expect(await fromEnv.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    } finally {
      delete process.env.AWS_REQUEST_CHECKSUM_CALCULATION;
      fromEnv.destroy();
    }
  });
});

describe('S3ObjectStore', () => {
  it('head returns size, type and unquoted etag; undefined for a missing key', async () => {
    await store.write(BUCKET, 'head/a.txt', Buffer.from('hello'), 'text/plain');
    const head = await store.head(BUCKET, 'head/a.txt');
    expect(head).toMatchObject({ size: 5, contentType: 'text/plain' });
    expect(head?.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await store.head(BUCKET, 'head/missing.txt')).toBeUndefined();
  });

  it('readRange returns the inclusive range, fewer bytes near the end, nothing past it', async () => {
    const data = Buffer.from('0123456789');
    await store.write(BUCKET, 'range/digits.txt', data, 'text/plain');
    expect((await store.readRange(BUCKET, 'range/digits.txt', 0, 3)).toString()).toBe('0123');
    expect((await store.readRange(BUCKET, 'range/digits.txt', 4, 4)).toString()).toBe('4');
    // s3rver answers bytes=0-0 with the whole object (end 0 read as "no end"): still one byte.
    expect((await store.readRange(BUCKET, 'range/digits.txt', 0, 0)).toString()).toBe('0');
    expect((await store.readRange(BUCKET, 'range/digits.txt', 7, 100)).toString()).toBe('789');
    expect((await store.readRange(BUCKET, 'range/digits.txt', 10, 20)).length).toBe(0);
    expect((await store.readRange(BUCKET, 'range/digits.txt', 50, 60)).length).toBe(0);
    await expect(store.readRange(BUCKET, 'range/digits.txt', 5, 2)).rejects.toThrow(RangeError);
  });

  it('handles a zero-byte object: head size 0, empty read, empty range', async () => {
    await store.write(BUCKET, 'empty/zero.bin', Buffer.alloc(0), 'application/octet-stream');
    expect(await store.head(BUCKET, 'empty/zero.bin')).toMatchObject({ size: 0 });
    expect((await store.read(BUCKET, 'empty/zero.bin')).length).toBe(0);

    // A ranged GET of an empty object: S3 answers 416 InvalidRange (RFC 9110: no range overlaps an
    // empty representation). s3rver 3.7.1 instead declares Content-Length 1, sends nothing and the
    // request hangs until its keep-alive timeout, so this case replays the 416 s3rver itself
    // returns for a range past the end of a non-empty object (the same error S3 sends here).
    await store.write(BUCKET, 'empty/one.bin', Buffer.from('x'), 'application/octet-stream');
    const invalidRange = await client
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'empty/one.bin', Range: 'bytes=5-10' }))
      .catch((e: unknown) => e);
    expect(invalidRange).toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
    const like416 = {
      send: async (command: GetObjectCommand) => {
        if (command.input.Key === 'empty/zero.bin' && command.input.Range) throw invalidRange;
        return client.send(command);
      },
    } as unknown as S3Client;
    const range = await new S3ObjectStore({ client: like416 }).readRange(BUCKET, 'empty/zero.bin', 0, 63);
    expect(Buffer.isBuffer(range)).toBe(true);
    expect(range.length).toBe(0);
  });

  it('read of a missing object is a terminal SOURCE_NOT_FOUND error', async () => {
    const error = await store.read(BUCKET, 'nope/missing.bin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_FOUND', retryable: false });
    await expect(store.readRange(BUCKET, 'nope/missing.bin', 0, 10)).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
  });

  it('writes a buffer and reads it back byte for byte', async () => {
    const data = testBytes(64 * 1024, 's3-object-store-1');
    await store.write(BUCKET, 't/acme/jobs/01/out.webp', data, 'image/webp');
    expect((await store.read(BUCKET, 't/acme/jobs/01/out.webp')).equals(data)).toBe(true);
    expect(await store.head(BUCKET, 't/acme/jobs/01/out.webp')).toMatchObject({
      size: data.length,
      contentType: 'image/webp',
    });
  });

  it('hands every chunk of a read to onChunk, so the SHA-256 comes from the same single read', async () => {
    const data = testBytes(3 * 1024 * 1024 + 17, 's3-object-store-2');
    await store.write(BUCKET, 't/acme/uploads/big.bin', data, 'application/octet-stream');
    const digest = createHash('sha256');
    let chunks = 0;
    const read = await store.read(BUCKET, 't/acme/uploads/big.bin', {
      onChunk: (chunk) => {
        chunks += 1;
        digest.update(chunk);
      },
    });
    expect(read.equals(data)).toBe(true);
    expect(chunks).toBeGreaterThan(1);
    expect(digest.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('streams a small stream (single request) without aws-chunked framing in the stored object', async () => {
    const data = testBytes(100_000, 's3-object-store-3');
    await store.write(
      BUCKET,
      'stream/small.bin',
      Readable.from([data.subarray(0, 40_000), data.subarray(40_000)]),
      'application/octet-stream',
    );
    const stored = await store.read(BUCKET, 'stream/small.bin');
    expect(stored.length).toBe(data.length);
    expect(stored.equals(data)).toBe(true);
  });

  it('streams a large stream as a multipart upload', async () => {
    // A client built from the same defaults (endpoint still from the environment), spied on.
    const spied = new S3Client(s3ClientConfig());
    const commands: string[] = [];
    spied.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const chunk = testBytes(1024 * 1024, 's3-object-store-4');
    const chunks = Array.from({ length: 12 }, (_, i) =>
      Buffer.concat([chunk.subarray(i), chunk.subarray(0, i)]),
    );
    const data = Buffer.concat(chunks);
    await new S3ObjectStore({ client: spied, partSizeBytes: 5 * 1024 * 1024 }).write(
      BUCKET,
      'stream/large.bin',
      Readable.from(chunks),
      'video/mp4',
    );
    spied.destroy();
    // 12 MiB in 5 MiB parts: 3 parts.
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(await store.head(BUCKET, 'stream/large.bin')).toMatchObject({
      size: data.length,
      contentType: 'video/mp4',
    });
    // Byte for byte: no aws-chunked framing or trailing checksums inside the parts.
    expect((await store.read(BUCKET, 'stream/large.bin')).equals(data)).toBe(true);
    expect(
      (await store.readRange(BUCKET, 'stream/large.bin', 5 * 1024 * 1024 - 2, 5 * 1024 * 1024 + 1)).equals(
        data.subarray(5 * 1024 * 1024 - 2, 5 * 1024 * 1024 + 2),
      ),
    ).toBe(true);
  });

  it('uses Upload for a buffer over the single-put limit', async () => {
    const small = new S3ObjectStore({ singlePutMaxBytes: 1024 });
    const data = testBytes(4096, 's3-object-store-5');
    await small.write(BUCKET, 'buffer/via-upload.bin', data, 'application/octet-stream');
    expect((await store.read(BUCKET, 'buffer/via-upload.bin')).equals(data)).toBe(true);
  });

  it('presignPost: exact key, size range and content type in the policy; the form upload lands', async () => {
    const key = 't/acme/uploads/01J0000000000000000000000A/photo one.jpg';
    const before = Date.now();
    const post = await store.presignPost({
      bucket: BUCKET,
      key,
      contentType: 'image/jpeg',
      maxBytes: 1000,
      expiresInSeconds: 300,
    });
    expect(post.url).toBe(`${emulators.s3.endpoint}/${BUCKET}`);
    expect(post.fields).toMatchObject({ key, 'Content-Type': 'image/jpeg', bucket: BUCKET });
    const expiresAt = Date.parse(post.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 299_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);

    const policy = JSON.parse(Buffer.from(post.fields.Policy as string, 'base64').toString('utf8'));
    expect(Date.parse(policy.expiration)).toBeLessThanOrEqual(expiresAt);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['eq', '$key', key],
        ['content-length-range', 1, 1000],
        ['eq', '$Content-Type', 'image/jpeg'],
        { key },
        { 'Content-Type': 'image/jpeg' },
        { bucket: BUCKET },
      ]),
    );
    // No prefix (starts-with) condition: the key is exact.
    expect(policy.conditions.some((c: unknown) => Array.isArray(c) && c[0] === 'starts-with')).toBe(false);

    const body = testBytes(600, 's3-object-store-6');
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([body], { type: 'image/jpeg' }), 'photo one.jpg');
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status).toBe(204);

    expect((await store.read(BUCKET, key)).equals(body)).toBe(true);
    expect(await store.head(BUCKET, key)).toMatchObject({ size: 600, contentType: 'image/jpeg' });
  });

  it('presignGet: the URL downloads the object without credentials', async () => {
    const data = Buffer.from('signed content');
    await store.write(BUCKET, 't/acme/jobs/02/thumb.jpg', data, 'image/jpeg');
    const url = await store.presignGet(BUCKET, 't/acme/jobs/02/thumb.jpg', 120);
    expect(url).toContain('X-Amz-Expires=120');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('uses an injected client instead of the default', async () => {
    const sent: string[] = [];
    const injected = {
      send: async (command: GetObjectCommand) => {
        sent.push(command.constructor.name);
        return client.send(command);
      },
    } as unknown as S3Client;
    const other = new S3ObjectStore({ client: injected });
    await other.read(BUCKET, 'head/a.txt');
    expect(sent).toEqual(['GetObjectCommand']);
  });
});
