/** Ticks for a time axis from 0 to `totalMs`: round steps (1, 2 or 5 × 10ⁿ ms), at most `max` of them past 0. */
export function timeTicks(totalMs: number, max = 5): number[] {
  if (!(totalMs > 0) || !Number.isFinite(totalMs)) return [0];
  const rough = totalMs / Math.max(1, max);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  // A rounding guard: 0.3 / 0.1 is 2.9999999999999996.
  for (let i = 0; i * step <= totalMs * (1 + 1e-9); i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/**
 * Ticks for the waterfall's narrow axis (a third of the page or less): at most two past 0, and none
 * so near the end that its label runs into the total written beside the axis.
 */
export function axisTicks(totalMs: number): number[] {
  const fit = (max: number) => timeTicks(totalMs, max).filter((t) => t === 0 || t <= totalMs * 0.85);
  const few = fit(2);
  return few.length > 1 ? few : fit(4);
}

/** A tick's label: ms below a second, seconds with as few decimals as the step needs above. */
export function tickLabel(ms: number, stepMs: number): string {
  if (ms === 0) return '0';
  if (stepMs < 1000) return `${Number(ms.toPrecision(12))} ms`;
  if (stepMs < 60_000) return `${Number((ms / 1000).toPrecision(12))} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} m ${seconds} s` : `${minutes} m`;
}
