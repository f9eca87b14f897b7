/**
 * Overwrites on the local S3 are atomic, as on S3: while an object is rewritten again and again, every
 * read returns one whole version (old or new), never an empty or partial body, and the body a PUT
 * answered for is readable at once. s3rver alone fails this (it truncates the file and answers first).
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';

const BUCKET = 'atomic-put';
let emulators: Emulators;
let s3: S3Client;

beforeAll(async () => {
  emulators = await startEmulators();
  s3 = new S3Client({
    endpoint: emulators.s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3?.destroy();
  await emulators?.stop();
});

/**
 * Version n: about 256 KiB of one repeated line, a different length for each version, so a torn read
 * shows as mixed lines or a length that belongs to another version.
 */
const version = (n: number) => Buffer.from(`version ${String(n).padStart(4, '0')}\n`.repeat(20_000 + 97 * n));

describe('local S3: atomic overwrites', () => {
  it('never serves a partial object while it is overwritten, and serves each PUT at once', async () => {
    const key = 'report.json';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: version(0) }));
    const valid = new Set(Array.from({ length: 41 }, (_, n) => version(n).toString('utf8')));
    let writing = true;
    const torn: string[] = [];
    const reader = (async () => {
      let reads = 0;
      while (writing || reads < 20) {
        const body = await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
        ).Body?.transformToString();
        if (!body || !valid.has(body)) torn.push(`${body?.length ?? 0} bytes`);
        reads++;
      }
      return reads;
    })();
    for (let n = 1; n <= 40; n++) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: version(n) }));
      const read = await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
      ).Body?.transformToString();
      if (read !== version(n).toString('utf8')) torn.push(`after PUT ${n}: ${read?.length ?? 0} bytes`);
    }
    writing = false;
    expect(await reader).toBeGreaterThan(0);
    expect(torn).toEqual([]);
    // No temporary file shows up as an object.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
  }, 60_000);

  it('serves byte ranges from one version, the last byte included', async () => {
    const key = 'ranged.txt';
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'abcdefghij', ContentType: 'text/plain' }),
    );
    const get = async (Range: string) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range }));
      return { body: await out.Body?.transformToString(), type: out.ContentType, range: out.ContentRange };
    };
    expect(await get('bytes=2-4')).toEqual({ body: 'cde', type: 'text/plain', range: 'bytes 2-4/10' });
    expect(await get('bytes=0-0')).toMatchObject({ body: 'a', range: 'bytes 0-0/10' });
    expect(await get('bytes=7-')).toMatchObject({ body: 'hij', range: 'bytes 7-9/10' });
  });
});
