import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFfmpegJobs, directoriesFor } from '../src/media/video/ffmpeg-args.js';
import { planOutputs, probeMedia, separateRungEncodes, transcode } from '../src/media/video/index.js';
import { ffmpegPath, runTool } from '../src/media/video/tools.js';

import { renderClip } from '../test/support/video-clips.js';

const SECONDS = Number(process.env.BENCH_VIDEO_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_VIDEO_ROUNDS ?? 2);

const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
};

/**
 * On a generated 1080p clip with audio (SECONDS long), in one run:
 *  - the HLS ladder (1080/720/480/360) from one decode (`split` to every rung) vs each rung encoded by
 *    its own ffmpeg process with its own decode (same encoder settings, audio once);
 *  - the transcoder's work outside ffmpeg (probe, plan, measuring outputs, progress handling, moving
 *    files into place) as a share of the ffmpeg time: `transcode` against the same ffmpeg command run bare.
 * S3 transfers are not in it (no Fargate entry yet); they belong to the task entry's figure.
 */
export async function run() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-video-'));
  try {
    const source = join(dir, 'source-1080p.mp4');
    await renderClip(source, { width: 1920, height: 1080, seconds: SECONDS, fps: 30 });
    const [probe, probeMs] = await time(() => probeMedia(source));
    const full = planOutputs(probe, { preset: 'hls' });
    const plan = { ...full, outputs: full.outputs.filter((output) => output.kind === 'hls') };

    // Interleaved rounds, best of each: the first run of anything pays the page cache.
    const best = {
      oneDecode: Number.POSITIVE_INFINITY,
      separate: Number.POSITIVE_INFINITY,
      bare: Number.POSITIVE_INFINITY,
    };
    let transcoded: Awaited<ReturnType<typeof transcode>> | undefined;
    let rungs: Awaited<ReturnType<typeof separateRungEncodes>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [result, oneDecodeMs] = await time(() =>
        transcode(source, plan, join(dir, `one-decode-${round}`)),
      );
      transcoded = result;
      const bare = join(dir, `bare-${round}`);
      for (const sub of directoriesFor(plan)) await mkdir(join(bare, sub), { recursive: true });
      const [, bareMs] = await time(async () => {
        for (const job of buildFfmpegJobs(plan, source, bare)) {
          const run = await runTool(ffmpegPath(), job.args);
          if (run.exitCode !== 0) throw new Error(`bare ffmpeg failed: ${run.stderr.slice(-500)}`);
        }
      });
      const [separate, separateMs] = await time(() =>
        separateRungEncodes(source, plan, join(dir, `separate-${round}`)),
      );
      rungs = separate;
      best.oneDecode = Math.min(best.oneDecode, oneDecodeMs);
      best.bare = Math.min(best.bare, bareMs);
      best.separate = Math.min(best.separate, separateMs);
    }
    const { oneDecode: oneDecodeMs, separate: separateMs, bare: bareMs } = best;
    const rungNames = rungs.map((rung) => rung.rendition).join('/');
    const overheadMs = probeMs + (oneDecodeMs - bareMs);
    console.log(`video bench: ${SECONDS} s 1920x1080 30 fps clip with audio, HLS ladder ${rungNames}`);
    console.log(`  one decode, all rungs (transcode):   ${(oneDecodeMs / 1000).toFixed(1)} s`);
    console.log(`  one process per rung (own decodes):  ${(separateMs / 1000).toFixed(1)} s`);
    console.log(`  one-decode / separate wall time:     ${(oneDecodeMs / separateMs).toFixed(2)}x`);
    console.log(`  bare ffmpeg (same command):          ${(bareMs / 1000).toFixed(1)} s`);
    console.log(
      `  probe ${probeMs.toFixed(0)} ms; transcode - bare ffmpeg ${(oneDecodeMs - bareMs).toFixed(0)} ms`,
    );
    console.log(
      `  overhead outside ffmpeg:             ${((100 * overheadMs) / bareMs).toFixed(1)} % of ffmpeg time`,
    );
    console.log(`  outputs: ${transcoded?.files.length} files; best of ${ROUNDS} interleaved rounds each`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
