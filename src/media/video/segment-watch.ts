import { join } from 'node:path';
import { filesUnder } from './outputs.js';

/** A segment ffmpeg has finished writing, while the encode still runs. */
export interface FinishedSegment {
  /** Relative to the watched folder, '/'-separated: the same path the output keeps after promotion. */
  path: string;
  absolutePath: string;
}

/**
 * Segment files carry a zero-padded sequence number (`segment-00001.m4s`, `chunk-0-00001.m4s`: the
 * `%05d` patterns ffmpeg-args gives the HLS and DASH muxers). Init segments and playlists have no such
 * number: they are rewritten until the end, so they are never reported early.
 */
const NUMBERED_SEGMENT = /^(.*?)(\d{5,})(\.(?:m4s|ts))$/;

/**
 * Polls `dir` while ffmpeg writes into it and reports each numbered segment once a later segment of the
 * same series exists: the muxers close a segment before they open the next one, so that segment is
 * complete. The last segment of each series is never reported (the caller takes it after ffmpeg exits).
 * Early reports are a speed-up, not a promise: a caller that uploads them must still compare the file
 * after the run (size, mtime) and send it again if it changed.
 */
export function watchFinishedSegments(
  dir: string,
  onFinished: (segment: FinishedSegment) => void,
  options: { intervalMs?: number } = {},
): { stop(options?: { writerExited?: boolean }): Promise<void> } {
  const reported = new Set<string>();
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();
  const poll = async (writerExited = false) => {
    if (stopped && !writerExited) return;
    const newestInSeries = new Map<string, number>();
    const segments: { path: string; series: string; number: number }[] = [];
    for (const path of await filesUnder(dir).catch(() => [])) {
      const match = NUMBERED_SEGMENT.exec(path);
      if (!match) continue;
      const series = `${match[1]}#${match[3]}`;
      const number = Number(match[2]);
      segments.push({ path, series, number });
      newestInSeries.set(series, Math.max(newestInSeries.get(series) ?? -1, number));
    }
    for (const { path, series, number } of segments) {
      const last = number >= (newestInSeries.get(series) ?? 0);
      if (reported.has(path) || (!writerExited && (stopped || last))) continue;
      reported.add(path);
      onFinished({ path, absolutePath: join(dir, ...path.split('/')) });
    }
  };
  const timer = setInterval(() => {
    polling = polling.then(() => poll()).catch(() => undefined);
  }, options.intervalMs ?? 250);
  return {
    /** With `writerExited` (ffmpeg ended well), every segment is complete: the rest are reported at once. */
    async stop(options = {}) {
      stopped = true;
      clearInterval(timer);
      await polling;
      if (options.writerExited) await poll(true);
    },
  };
}
