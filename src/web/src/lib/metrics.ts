/** Evaluation metrics as a person reads them. */
/** A metric as a person reads it: rates as percentages, latencies in ms, costs in dollars. */
export function formatMetric(name: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (/(pass_rate|error_rate|\/mean)$/.test(name) && v >= 0 && v <= 1 && !/latency|tokens|cost/.test(name)) return `${(v * 100).toFixed(1)}%`;
  if (/cost/.test(name)) return `$${v.toFixed(4)}`;
  if (/latency_seconds/.test(name)) return `${v.toFixed(2)} s`;
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(3);
}

/** A difference between two values of a metric: rates in percentage points, the rest in the metric's unit. */
export function formatDelta(name: string, d: number | null): string {
  if (d === null) return '—';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '';
  const abs = Math.abs(d);
  if (/(pass_rate|error_rate|\/mean)$/.test(name) && abs <= 1 && !/latency|tokens|cost/.test(name)) return `${sign}${(abs * 100).toFixed(1)} pts`;
  return `${sign}${formatMetric(name, abs)}`;
}

