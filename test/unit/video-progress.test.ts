import { describe, expect, it } from 'vitest';
import { outTimeSeconds, ProgressParser, parseSpeed } from '../../src/media/video/progress.js';

const block = (fields: Record<string, string>, progress = 'continue') =>
  `${Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\nprogress=${progress}\n`;

describe('ffmpeg -progress parsing', () => {
  it('turns out_time_us into a percentage of the source duration and an ETA from speed', () => {
    const parser = new ProgressParser(10);
    const [snapshot] = parser.push(block({ frame: '75', out_time_us: '2500000', speed: '1.25x' }));
    expect(snapshot).toEqual({ outTimeSeconds: 2.5, percent: 25, speed: 1.25, etaSeconds: 6, done: false });
  });

  it('reads out_time_ms as microseconds (ffmpeg misnomer) and out_time as HH:MM:SS', () => {
    expect(outTimeSeconds(new Map([['out_time_ms', '1500000']]))).toBe(1.5);
    expect(outTimeSeconds(new Map([['out_time', '00:01:02.500000']]))).toBe(62.5);
    expect(outTimeSeconds(new Map([['out_time', '-00:00:00.040000']]))).toBe(0);
    expect(outTimeSeconds(new Map([['out_time_us', 'N/A']]))).toBeUndefined();
  });

  it('handles blocks split across chunks at any byte', () => {
    const text = block({ out_time_us: '1000000' }) + block({ out_time_us: '3000000' });
    const parser = new ProgressParser(4);
    const snapshots = [...text].flatMap((char) => parser.push(char));
    expect(snapshots.map((s) => s.percent)).toEqual([25, 75]);
  });

  it('never goes backwards, ignores N/A, and caps at 99 until progress=end', () => {
    const parser = new ProgressParser(2);
    const percents = [
      ...parser.push(block({ out_time_us: 'N/A', speed: 'N/A' })),
      ...parser.push(block({ out_time_us: '1500000' })),
      ...parser.push(block({ out_time_us: '900000' })),
      ...parser.push(block({ out_time_us: '2100000' })),
      ...parser.push(block({ out_time_us: '2100000' }, 'end')),
    ].map((s) => s.percent);
    expect(percents).toEqual([0, 75, 75, 99, 100]);
  });

  it('reports no ETA without a speed, and 0 at the end', () => {
    const parser = new ProgressParser(5);
    expect(parser.push(block({ out_time_us: '1000000', speed: 'N/A' }))[0]?.etaSeconds).toBeUndefined();
    expect(parser.push(block({ out_time_us: '5000000', speed: '2x' }, 'end'))[0]).toMatchObject({
      etaSeconds: 0,
      done: true,
    });
  });

  it('parses speed values', () => {
    expect(parseSpeed('1.43x')).toBe(1.43);
    expect(parseSpeed(' 0.5x')).toBe(0.5);
    expect(parseSpeed('N/A')).toBeUndefined();
    expect(parseSpeed('0x')).toBeUndefined();
  });
});
