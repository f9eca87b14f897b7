import { readFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
export const ms = (value: number) => `${value.toFixed(1)} ms`;

/**
 * CPU seconds (user + system) of this process's finished child processes (ffmpeg runs), from
 * /proc/self/stat's cutime and cstime: Linux only, in clock ticks of 1/100 s.
 */
export function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
