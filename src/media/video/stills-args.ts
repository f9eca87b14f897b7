import { join } from 'node:path';
import { type FfmpegJob, GLOBAL_ARGS, inputArgs } from './ffmpeg-common.js';
import type { Size } from './ladder.js';
import type { PlannedOutput, TranscodePlan } from './plan.js';

/**
 * Poster and thumbnails. The poster input seeks (fast, and exact: ffmpeg decodes from the keyframe
 * before the time); thumbnails take one pass with `select`, picking the first frame at or after each
 * planned time, and pass those timestamps through (the image muxer would otherwise duplicate frames
 * to fill a constant rate). The sprite sheet tiles the same frames.
 */
export function stillsJob(
  plan: TranscodePlan,
  outputs: readonly PlannedOutput[],
  inputPath: string,
  workDir: string,
): FfmpegJob {
  const video = plan.source.video;
  if (!video) throw new Error('stills need a video stream');
  const inputs: string[] = [];
  const graph: string[] = [];
  const outputArgs: string[] = [];
  let mediaSeconds = 0;
  const scale = ({ width, height }: Size) => `scale=${width}:${height}:flags=bicubic,setsar=1`;
  const jpeg = ['-q:v', '3', '-f', 'image2'];
  outputs.forEach((output, n) => {
    const input = `[${n}:${video.index}]`;
    if (output.kind === 'poster') {
      inputs.push(...inputArgs(plan, inputPath, output.atSeconds));
      graph.push(`${input}${scale(output)}[poster${n}]`);
      outputArgs.push(
        '-map',
        `[poster${n}]`,
        '-frames:v',
        '1',
        '-update',
        '1',
        ...jpeg,
        join(workDir, output.path),
      );
    } else if (output.kind === 'thumbnails') {
      inputs.push(...inputArgs(plan, inputPath));
      mediaSeconds = plan.source.durationSeconds;
      const interval = plan.source.durationSeconds / output.times.length;
      const pick = `select='gte(t,(selected_n+0.5)*${interval.toFixed(6)})',${scale(output)}`;
      const dir = join(workDir, output.path);
      const { sprite } = output;
      if (sprite) {
        graph.push(`${input}${pick},split=2[thumbs${n}][tiles${n}]`);
        graph.push(`[tiles${n}]tile=${sprite.columns}x${sprite.rows}[sprite${n}]`);
      } else graph.push(`${input}${pick}[thumbs${n}]`);
      outputArgs.push(
        '-map',
        `[thumbs${n}]`,
        '-fps_mode',
        'passthrough',
        '-frames:v',
        String(output.times.length),
      );
      outputArgs.push('-start_number', '1', ...jpeg, join(dir, 'thumb-%03d.jpg'));
      if (sprite) {
        outputArgs.push(
          '-map',
          `[sprite${n}]`,
          '-frames:v',
          '1',
          '-update',
          '1',
          ...jpeg,
          join(dir, 'sprite.jpg'),
        );
      }
    }
  });
  const args = [...GLOBAL_ARGS, ...inputs, '-filter_complex', graph.join(';'), ...outputArgs];
  return { stage: 'stills', args, mediaSeconds };
}
