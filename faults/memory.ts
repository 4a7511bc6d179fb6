/**
 * Resident memory of the soak's processes, sampled from /proc, and what it says about growth: the
 * size at the start, the median and peak over the last half, and how much it grew within the last
 * half (least-squares slope × the half's length) — warm-up growth lies in the first half, so growth
 * in the second is what a leak would show. A process is flagged when both that growth and the rise
 * of the last half's peak over the first half's exceed max(16 MB, 10 % of the median): a garbage
 * collection's dip early in the half tilts the slope, but only a leak lifts the peaks.
 */
import { readFileSync } from 'node:fs';
import { median, round } from '../bench/result.ts';

export interface MemorySample {
  /** Seconds since sampling began. */
  t: number;
  mb: number;
}

export interface MemoryFigures {
  start_mb: number;
  last_half_min_mb: number;
  last_half_median_mb: number;
  last_half_max_mb: number;
  last_half_growth_mb: number;
  grows: boolean;
}

export const NOISE_MB = 16;
export const NOISE_SHARE = 0.1;

export function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function memoryFigures(samples: readonly MemorySample[]): MemoryFigures | undefined {
  if (samples.length < 2) return undefined;
  const end = samples.at(-1)!.t;
  const half = samples.filter((s) => s.t >= end / 2);
  const firstHalfMax = Math.max(...samples.filter((s) => s.t < end / 2).map((s) => s.mb), 0);
  const values = half.map((s) => s.mb);
  const slope = slopeOf(half);
  const growth = slope * (end - half[0]!.t);
  const mid = median(values);
  return {
    start_mb: round(samples[0]!.mb, 1),
    last_half_min_mb: round(Math.min(...values), 1),
    last_half_median_mb: round(mid, 1),
    last_half_max_mb: round(Math.max(...values), 1),
    last_half_growth_mb: round(growth, 1),
    grows: Math.min(growth, Math.max(...values) - firstHalfMax) > Math.max(NOISE_MB, NOISE_SHARE * mid),
  };
}

/** Least-squares slope of mb over t (MB per second). */
function slopeOf(samples: readonly MemorySample[]): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mm = samples.reduce((a, s) => a + s.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.mb - mm);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
