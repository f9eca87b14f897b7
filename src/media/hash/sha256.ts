import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that hashes the bytes flowing through it: put it between the object's body and
 * its consumer (decoder, upload) and the SHA-256 of the original comes out of the same single read.
 *
 *   const tap = sha256Tap();
 *   await pipeline(body, tap, sink);
 *   const { sha256, bytes } = await tap.result;
 */
export class Sha256Tap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private resolveResult!: (value: { sha256: string; bytes: number }) => void;
  /** Settles when the stream has ended (rejects if it errors or is destroyed first). */
  readonly result: Promise<{ sha256: string; bytes: number }>;

  constructor() {
    super();
    let reject!: (error: Error) => void;
    this.result = new Promise((resolve, rejectResult) => {
      this.resolveResult = resolve;
      reject = rejectResult;
    });
    // Unobserved rejections are not fatal; callers that await `result` still see them.
    this.result.catch(() => undefined);
    this.once('error', (error) => reject(error));
    this.once('close', () => reject(new Error('stream closed before the end of the data')));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.resolveResult({ sha256: this.hash.digest('hex'), bytes: this.count });
    callback();
  }
}

export const sha256Tap = () => new Sha256Tap();

/** SHA-256 (hex) of bytes already in memory. */
export const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
