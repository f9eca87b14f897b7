import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The part of s3rver's FilesystemStore the replacement uses (its types leave the store out). */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: PutObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<unknown>;
}
type S3ObjectModel = new (
  bucket: string,
  key: string,
  content: NodeJS.ReadableStream | null,
  metadata: Record<string, unknown>,
) => { range?: { start: number; end: number } };
const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object') as S3ObjectModel;

/** Writes a small file whole or not at all (a reader never sees it empty or half written). */
async function writeAtomically(path: string, data: string): Promise<void> {
  const partial = `${path}.partial-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(partial, data);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
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
 * one a crash left behind. The metadata and MD5 files are replaced the same way (s3rver rewrote them in
 * place, and a GET that read one half-written answered 500), and a GET opens the object first and takes
 * its length from that open file, so a rename between its stat and its read cannot mix two versions.
 */
/** The system metadata s3rver keeps with an object (its S3Object.ALLOWED_METADATA). */
const ALLOWED_METADATA = new Set(
  (createRequire(import.meta.url)('s3rver/lib/models/object') as { ALLOWED_METADATA: string[] })
    .ALLOWED_METADATA,
);

export function makeObjectWritesAtomic(s3: S3rver): void {
  const store = (s3 as unknown as { store: FilesystemStore }).store;
  store.putMetadata = async (bucket, key, metadata, md5) => {
    const json = Object.fromEntries(
      Object.entries((metadata ?? {}) as Record<string, unknown>).filter(
        ([name]) => ALLOWED_METADATA.has(name) || name.startsWith('x-amz-meta-'),
      ),
    );
    if (md5) await writeAtomically(store.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeAtomically(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
  };
  store.getObject = async (bucket, key, options) => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(store.getResourcePath(bucket, key, 'object'), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const stat = await handle.stat();
      const read = (resource: string) =>
        readFile(store.getResourcePath(bucket, key, resource), 'utf8').catch((error) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        });
      const [stored, md5] = await Promise.all([read('metadata.json'), read('object.md5')]);
      const metadata = {
        ...(stored ? (JSON.parse(stored) as Record<string, unknown>) : {}),
        etag: JSON.stringify(md5 ?? ''),
        'last-modified': stat.mtime.toUTCString(),
        'content-length': stat.size,
      };
      const lastByte = Math.max(0, stat.size - 1);
      const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
      const range = {
        start: options?.start ?? 0,
        end: Math.min(options?.end ?? Number.POSITIVE_INFINITY, lastByte),
      };
      if (range.start < 0 || range.end < range.start) {
        await handle.close();
        const object = new S3Object(bucket, key, null, metadata);
        if (ranged) object.range = range;
        return object;
      }
      // The stream reads the file this GET opened, whatever a concurrent PUT renames over the path.
      const object = new S3Object(bucket, key, handle.createReadStream(range), metadata);
      if (ranged) object.range = range;
      return object;
    } catch (error) {
      await handle.close();
      throw error;
    }
  };
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
