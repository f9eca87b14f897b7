import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputOf, TranscodePlan } from './plan.js';

/** WebVTT for a sprite sheet: each slice of the clip points at its tile (`sprite.jpg#xywh=x,y,w,h`). */
export function spriteVtt(output: OutputOf<'thumbnails'>, durationSeconds: number, tiles: number): string {
  const sprite = output.sprite;
  if (!sprite) return '';
  const slice = durationSeconds / output.times.length;
  const cues = Array.from({ length: Math.min(tiles, output.times.length) }, (_, i) => {
    const x = (i % sprite.columns) * output.width;
    const y = Math.floor(i / sprite.columns) * output.height;
    const end = i === output.times.length - 1 ? durationSeconds : (i + 1) * slice;
    return `${vttTime(i * slice)} --> ${vttTime(end)}\nsprite.jpg#xywh=${x},${y},${output.width},${output.height}`;
  });
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

export async function writeSpriteVtts(plan: TranscodePlan, workDir: string): Promise<void> {
  for (const output of plan.outputs) {
    if (output.kind !== 'thumbnails' || !output.sprite) continue;
    const dir = join(workDir, output.path);
    const tiles = (await readdir(dir)).filter((f) => /^thumb-\d+\.jpg$/.test(f)).length;
    await writeFile(join(dir, 'thumbnails.vtt'), spriteVtt(output, plan.source.durationSeconds, tiles));
  }
}

function vttTime(totalSeconds: number): string {
  const millis = Math.round(totalSeconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hours = Math.floor(millis / 3_600_000);
  const minutes = Math.floor(millis / 60_000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(Math.floor(millis / 1000) % 60)}.${pad(millis % 1000, 3)}`;
}
