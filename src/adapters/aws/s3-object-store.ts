import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ErrorCodes, inputError } from '../../core/errors.js';
import type { ObjectHead, ObjectStore, PresignedPost, ReadOptions } from '../../core/ports.js';
import { s3Client } from './clients.js';

export interface S3ObjectStoreOptions {
  client?: S3Client;
  /**
   * Buffers up to this size go out as one PutObject; larger buffers and every stream go through
   * lib-storage's Upload (multipart above its part size). Default 8 MiB.
   */
  singlePutMaxBytes?: number;
  /** Multipart part size for Upload (S3 minimum 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel by Upload. Default 4. */
  queueSize?: number;
}

const MiB = 1024 * 1024;
type PolicyCondition = NonNullable<PresignedPostOptions['Conditions']>[number];

/** S3 (or s3rver) behind the ObjectStore port. */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly singlePutMaxBytes: number;
  private readonly partSizeBytes: number;
  private readonly queueSize: number;

  constructor(options: S3ObjectStoreOptions = {}) {
    this.client = options.client ?? s3Client();
    this.singlePutMaxBytes = options.singlePutMaxBytes ?? 8 * MiB;
    this.partSizeBytes = Math.max(options.partSizeBytes ?? 8 * MiB, 5 * MiB);
    this.queueSize = options.queueSize ?? 4;
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        contentType: out.ContentType,
        etag: normalizeEtag(out.ETag),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async readRange(bucket: string, key: string, start: number, end: number): Promise<Buffer> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`invalid byte range ${start}-${end}`);
    }
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
      );
    } catch (error) {
      // 416: the range starts at or past the end (always the case for a zero-byte object).
      if (isUnsatisfiableRange(error)) return Buffer.alloc(0);
      throw mapMissing(error, bucket, key);
    }
    // Never hand back more than asked, even from a server that serves more than the Range: one that
    // ignores it (200, whole object, no Content-Range) or widens it (s3rver reads bytes=0-0 as 0-).
    const body = await toBuffer(out);
    const served = /^bytes (\d+)-/.exec(out.ContentRange ?? '');
    const offset = served ? Math.max(0, start - Number(served[1])) : start;
    return body.subarray(offset, offset + (end - start + 1));
  }

  /**
   * The whole object. `onChunk` sees every chunk as it arrives from S3, so a digest (SHA-256 of the
   * original) is computed during this one read rather than by a second pass or a second GET.
   */
  async read(bucket: string, key: string, options: ReadOptions = {}): Promise<Buffer> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!options.onChunk) return await toBuffer(out);
      const chunks: Buffer[] = [];
      for await (const chunk of (out.Body ?? []) as AsyncIterable<Uint8Array>) {
        options.onChunk(chunk);
        chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      return Buffer.concat(chunks);
    } catch (error) {
      throw mapMissing(error, bucket, key);
    }
  }

  async write(
    bucket: string,
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    contentType: string,
  ): Promise<void> {
    if (Buffer.isBuffer(body) && body.length <= this.singlePutMaxBytes) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: contentType,
        }),
      );
      return;
    }
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: bucket,
        Key: key,
        Body: Buffer.isBuffer(body) ? body : (body as Readable),
        ContentType: contentType,
      },
      partSize: this.partSizeBytes,
      queueSize: this.queueSize,
      // Abort the multipart upload on failure: no orphaned parts billed forever.
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async download(
    bucket: string,
    key: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: options.signal,
      });
      let bytes = 0;
      const body = out.Body as Readable;
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      await pipeline(body, createWriteStream(path), { signal: options.signal });
      return bytes;
    } catch (error) {
      throw mapMissing(error, bucket, key);
    }
  }

  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length) {
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  async presignPost(input: {
    bucket: string;
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedPost> {
    const { bucket, key, contentType, maxBytes, expiresInSeconds } = input;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`invalid maxBytes ${maxBytes}`);
    if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1) {
      throw new RangeError(`invalid expiresInSeconds ${expiresInSeconds}`);
    }
    const conditions: PolicyCondition[] = [
      ['eq', '$key', key],
      ['content-length-range', 1, maxBytes],
      ['eq', '$Content-Type', contentType],
    ];
    const issuedAt = Date.now();
    const post = await createPresignedPost(this.client, {
      Bucket: bucket,
      Key: key,
      Conditions: conditions,
      // Fields are echoed as form fields (and the SDK adds an exact-match condition for each).
      Fields: { 'Content-Type': contentType },
      Expires: expiresInSeconds,
    });
    return {
      url: post.url,
      fields: post.fields,
      expiresAt: new Date(issuedAt + expiresInSeconds * 1000).toISOString(),
    };
  }

  async presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}

/** S3 quotes ETags in headers (`"abc"`); events and listings compare unquoted. */
function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^"(.*)"$/, '$1');
}

async function toBuffer(out: GetObjectCommandOutput): Promise<Buffer> {
  if (!out.Body) return Buffer.alloc(0);
  const bytes = await out.Body.transformToByteArray();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || status(error) === 404;
}

function isUnsatisfiableRange(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return e?.name === 'InvalidRange' || e?.Code === 'InvalidRange' || status(error) === 416;
}

/** A missing object is the caller's problem (terminal), not a reason to retry until the DLQ. */
function mapMissing(error: unknown, bucket: string, key: string): unknown {
  const name = (error as SdkErrorShape | undefined)?.name;
  if (name === 'NoSuchKey' || (status(error) === 404 && name !== 'NoSuchBucket')) {
    return inputError(ErrorCodes.SOURCE_NOT_FOUND, `object s3://${bucket}/${key} does not exist`, error);
  }
  return error;
}
