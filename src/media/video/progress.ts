/**
 * Parses ffmpeg's `-progress pipe:1` output: blocks of key=value lines, each ended by
 * `progress=continue` (or `progress=end` once, at the very end).
 */
export interface ProgressSnapshot {
  /** Media time written so far, in seconds of the source. */
  outTimeSeconds: number;
  /** 0..100, never decreasing; 100 only once ffmpeg reported the end. */
  percent: number;
  /** Encoding speed as a multiple of real time (ffmpeg's "1.4x"). */
  speed?: number;
  /** Seconds left at the current speed. */
  etaSeconds?: number;
  done: boolean;
}

/** Stays below 100 until the end block: the muxer may still be writing the trailer (mp4 faststart). */
const RUNNING_CEILING = 99;

export class ProgressParser {
  private partial = '';
  private block = new Map<string, string>();
  private percent = 0;
  private outTime = 0;

  constructor(private readonly durationSeconds: number) {}

  /** Feed a stdout chunk (any split); returns one snapshot per completed block. */
  push(chunk: string): ProgressSnapshot[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const snapshots: ProgressSnapshot[] = [];
    for (const line of lines) {
      const separator = line.indexOf('=');
      if (separator < 1) continue;
      const key = line.slice(0, separator).trim();
      const value = line.slice(separator + 1).trim();
      if (key === 'progress') snapshots.push(this.complete(value === 'end'));
      else this.block.set(key, value);
    }
    return snapshots;
  }

  private complete(done: boolean): ProgressSnapshot {
    const outTime = outTimeSeconds(this.block);
    // Out-of-order or "N/A" blocks (start-up, negative start times) never move progress backwards.
    if (outTime !== undefined) this.outTime = Math.max(this.outTime, outTime);
    const speed = parseSpeed(this.block.get('speed'));
    this.block.clear();
    const fraction = this.durationSeconds > 0 ? this.outTime / this.durationSeconds : 0;
    this.percent = done ? 100 : Math.max(this.percent, Math.min(RUNNING_CEILING, fraction * 100));
    const remaining = Math.max(0, this.durationSeconds - this.outTime);
    const etaSeconds = done ? 0 : speed ? remaining / speed : undefined;
    return { outTimeSeconds: this.outTime, percent: round(this.percent), speed, etaSeconds, done };
  }
}

/**
 * `out_time_us` when present; `out_time_ms` is, despite its name, also microseconds (a long-standing
 * ffmpeg misnomer); `out_time` is HH:MM:SS.micro. All can be "N/A" or negative early on.
 */
export function outTimeSeconds(block: ReadonlyMap<string, string>): number | undefined {
  for (const key of ['out_time_us', 'out_time_ms']) {
    const micros = Number(block.get(key));
    if (block.has(key) && Number.isFinite(micros)) return Math.max(0, micros / 1e6);
  }
  const match = block.get('out_time')?.match(/^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/);
  if (!match) return undefined;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return match[1] === '-' ? 0 : seconds;
}

export function parseSpeed(value: string | undefined): number | undefined {
  const speed = Number.parseFloat(value ?? '');
  return Number.isFinite(speed) && speed > 0 ? speed : undefined;
}

const round = (value: number) => Math.round(value * 10) / 10;
