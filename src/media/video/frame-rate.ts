/** Frame rates as ffmpeg wants them: exact rationals, so 29.97 stays 30000/1001 and does not drift. */
export interface Rational {
  num: number;
  den: number;
  value: number;
  /** "30000/1001", for the fps filter and -r. */
  text: string;
}

const STANDARD_RATES: Array<[number, number]> = [
  [24000, 1001],
  [24, 1],
  [25, 1],
  [30000, 1001],
  [30, 1],
  [50, 1],
  [60000, 1001],
  [60, 1],
];

const rational = (num: number, den: number): Rational => ({
  num,
  den,
  value: num / den,
  text: `${num}/${den}`,
});

/**
 * The constant output rate for a source's average rate: snapped to the nearest standard rate when
 * within 1% (containers round 29.97 in many ways), capped at `maxFps`, and 30 when unknown.
 *
 * Outputs are constant frame rate on purpose, even from variable-rate phone clips: HLS/DASH segment
 * boundaries and keyframe alignment are defined in frames per second, and a capped CFR also bounds the
 * encode cost of 240 fps slow-motion sources.
 */
export function targetFrameRate(sourceFps: number | undefined, maxFps: number): Rational {
  const fps = sourceFps && sourceFps > 0 ? Math.min(sourceFps, maxFps) : Math.min(30, maxFps);
  // The nearest one, not the first within 1%: 60 must stay 60/1, not become 59.94.
  const distance = ([num, den]: [number, number]) => Math.abs(num / den - fps) / fps;
  const [nearest] = [...STANDARD_RATES].sort((a, b) => distance(a) - distance(b));
  if (nearest && distance(nearest) < 0.01) return rational(nearest[0], nearest[1]);
  // Non-standard rates (a 12.5 fps screen capture): millisecond precision is plenty.
  return rational(Math.round(fps * 1000), 1000);
}
