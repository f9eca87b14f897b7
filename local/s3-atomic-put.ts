import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The part of s3rver's FilesystemStore the replacement uses (its types leave the store out). */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: PutObject): Promise<{ size: number; md5: string }>;
}
interface PutObject {
  bucket: string;
  key: string;
  metadata: unknown;
  content: Buffer | NodeJS.ReadableStream;
}

/**
 * S3 replaces an object atomically: a reader sees the old bytes or the new, never a part. s3rver
 * truncates the object's file and streams into it, and answers before the write has finished, so a
 * GET during (or right after) an overwrite could read an empty or partial object (a batch report
 * being rewritten read as ''), and a kill -9 mid-write left a torn object. This writes the bytes to a
 * temporary file in the same folder, waits until they are written, writes the metadata, and renames
 * the file over the object. Temporary names do not end with s3rver's object suffix, so listings skip
 * one a crash left behind.
 */
export function makeObjectWritesAtomic(s3: S3rver): void {
  const store = (s3 as unknown as { store: FilesystemStore }).store;
  store.putObject = async (object: PutObject) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const partial = `${objectPath}.partial-${randomBytes(6).toString('hex')}`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
    try {
      await pipeline(source, measure, createWriteStream(partial));
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(partial, objectPath);
      return { size, md5: digest };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  };
}
