/** One benchmark figure, as printed and as recorded in bench/results.json. */
export interface BenchResult {
  /** Stable name, e.g. `monitor.copy`, so figures can be followed across changes. */
  name: string;
  value: number;
  unit: string;
  /** The raw baseline measured in the same run (null when there is none, e.g. RSS). */
  baseline: number | null;
  /** Assay ÷ baseline (throughputs), or Assay's time ÷ the baseline's (times). */
  ratio: number | null;
  /** What the ratio (or value) should be, e.g. `>= 0.7`. */
  aim: string;
  params: Record<string, unknown>;
}

/** Median of a few timings, the least noisy single figure on a shared machine. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
