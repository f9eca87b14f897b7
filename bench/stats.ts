export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
export const ms = (value: number) => `${value.toFixed(1)} ms`;
