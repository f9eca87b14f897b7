import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { videoOutputKey } from '../../core/keys.js';
import type { ObjectStore } from '../../core/ports.js';
import type { FinishedSegment } from '../../media/video/segment-watch.js';

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.webm': 'video/webm',
  '.m4a': 'audio/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
  '.ts': 'video/mp2t',
};

const SINGLE_PUT_BYTES = 8 * 1024 * 1024;

export interface OutputUploaderDeps {
  objects: Pick<ObjectStore, 'write'>;
  outputsBucket: string;
  signal?: AbortSignal;
  /** Parallel uploads. Default 4. */
  uploadConcurrency?: number;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

type Fingerprint = { size: number; mtimeMs: number };

/**
 * Uploads a transcode's files under the job's output prefix, in two phases:
 *  - `early`: segments ffmpeg has finished go up while it still encodes, so most of the upload is off the
 *    critical path. Best effort: a failed or racing early upload is simply not recorded.
 *  - `finish`: after the run, every file whose exact version (size, mtime) did not already go up early.
 *    That pass is authoritative; its failures throw.
 * Every PUT has ended when `finish` or `stop` returns, so a caller cleaning up after a failure or a stop
 * deletes after the last PUT, not while one is still in flight.
 */
export function outputUploader(
  deps: OutputUploaderDeps,
  target: { tenant: string; jobId: string },
  /** Where the transcode moves its outputs when it succeeds: a segment queued early may be there by then. */
  finalDir: string,
) {
  const concurrency = Math.max(1, deps.uploadConcurrency ?? 4);
  const uploaded = new Map<string, Fingerprint>();
  const queue: FinishedSegment[] = [];
  const inFlight = new Set<Promise<void>>();
  /** New early segments are taken (until finish or stop). */
  let accepting = true;
  let wrote = false;
  const counts = { early: 0, final: 0, resent: 0 };

  const send = (path: string, body: Buffer | ReturnType<typeof createReadStream>) => {
    wrote = true;
    return deps.objects.write(
      deps.outputsBucket,
      videoOutputKey(target.tenant, target.jobId, path),
      body,
      CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    );
  };

  /** One PUT of a file as it is now. Segments, playlists and stills go whole; large files stream. */
  const put = async (path: string, absolutePath: string): Promise<Fingerprint> => {
    const { size, mtimeMs } = await stat(absolutePath);
    await send(
      path,
      size <= SINGLE_PUT_BYTES ? await readFile(absolutePath) : createReadStream(absolutePath),
    );
    return { size, mtimeMs };
  };

  /**
   * An early segment, read whole from the work folder or, if the transcode has moved it meanwhile, from
   * `finalDir`. Its version counts as sent only if the file did not change while it was read.
   */
  const putEarly = async (segment: FinishedSegment): Promise<Fingerprint | undefined> => {
    for (const path of [segment.absolutePath, join(finalDir, segment.path)]) {
      try {
        const before = await stat(path);
        const body = await readFile(path);
        const after = await stat(path);
        await send(segment.path, body);
        const unchanged = after.size === before.size && after.mtimeMs === before.mtimeMs;
        return unchanged && body.length === before.size
          ? { size: before.size, mtimeMs: before.mtimeMs }
          : undefined;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return undefined;
  };

  const pump = () => {
    if (deps.signal?.aborted) queue.length = 0;
    while (inFlight.size < concurrency && queue.length > 0) {
      const segment = queue.shift() as FinishedSegment;
      const upload: Promise<void> = putEarly(segment)
        .then((fingerprint) => {
          if (!fingerprint) return;
          uploaded.set(segment.path, fingerprint);
          counts.early++;
        })
        .catch(() => undefined)
        .finally(() => {
          inFlight.delete(upload);
          pump();
        });
      inFlight.add(upload);
    }
  };

  const settle = async () => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  const stop = async () => {
    accepting = false;
    queue.length = 0;
    await settle();
  };

  return {
    early(segment: FinishedSegment) {
      if (!accepting) return;
      queue.push(segment);
      pump();
    },

    async finish(dir: string, files: readonly string[], onUploaded: (count: number) => void) {
      // The segments already queued still go as early ones (from where the transcode moved them): the
      // final pass then has nothing left to send for them.
      accepting = false;
      await settle();
      let next = 0;
      let done = 0;
      let failure: unknown;
      const worker = async () => {
        while (next < files.length && failure === undefined && !deps.signal?.aborted) {
          const file = files[next++] as string;
          try {
            const absolutePath = join(dir, file);
            const sent = uploaded.get(file);
            const current = sent && (await stat(absolutePath));
            if (!(current && current.size === sent.size && current.mtimeMs === sent.mtimeMs)) {
              if (sent) counts.resent++;
              uploaded.set(file, await put(file, absolutePath));
              counts.final++;
            }
            onUploaded(++done);
          } catch (error) {
            failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
      deps.signal?.throwIfAborted();
      if (failure !== undefined) throw failure;
    },

    stop,
    /** Whether any PUT was started (so something may need deleting after a failure). */
    get wrote() {
      return wrote;
    },
    /** Files sent during the encode, after it, and sent again because they changed after an early PUT. */
    get counts() {
      return { ...counts };
    },
  };
}
