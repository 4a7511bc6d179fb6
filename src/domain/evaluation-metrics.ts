/**
 * An evaluation run's aggregate metrics, named `<assessment name>/<aggregation>` as MLflow names
 * them. Pure functions over the run's rows, so every figure can be checked by hand.
 */
import type { JsonValue } from './trace.ts';

export const AGGREGATIONS = ['mean', 'min', 'max', 'median', 'p90', 'variance'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** What metrics read from one row. */
export interface MetricRow {
  status: 'pending' | 'done' | 'errored';
  passed: boolean | null;
  verdicts: ReadonlyArray<{ name: string; value: JsonValue | null; error: unknown }>;
  latency_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
  /** USD the judges spent on this row. */
  judge_cost?: number | null;
}

/** A verdict as a number: numbers as they are, yes/true 1, no/false 0; anything else none. */
export function numericValue(value: JsonValue | null): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'yes' || v === 'true') return 1;
    if (v === 'no' || v === 'false') return 0;
  }
  return null;
}

/** The p-th percentile (0–100) with linear interpolation between ranks, as numpy's default. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** One aggregation of a non-empty list; variance is the population variance (numpy's `var`). */
export function aggregate(values: readonly number[], aggregation: Aggregation): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  switch (aggregation) {
    case 'mean':
      return mean;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'median':
      return percentile(values, 50);
    case 'p90':
      return percentile(values, 90);
    case 'variance':
      return values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  }
}

/**
 * Every metric of a run: per assessment name the asked aggregations (mean always) over numeric
 * verdicts, skipping errors; `<name>/error_count`; latency p50/p90 in seconds; token and cost
 * totals; `pass_rate` over rows that were scored (errored rows have no verdicts to pass).
 */
export function computeMetrics(rows: readonly MetricRow[], aggregations: readonly Aggregation[] = []): Record<string, number> {
  const wanted: Aggregation[] = ['mean', ...aggregations.filter((a) => a !== 'mean')];
  const values = new Map<string, number[]>();
  const errors = new Map<string, number>();
  for (const row of rows) {
    for (const v of row.verdicts) {
      if (!values.has(v.name)) values.set(v.name, []);
      if (v.error) {
        errors.set(v.name, (errors.get(v.name) ?? 0) + 1);
        continue;
      }
      const n = numericValue(v.value);
      if (n !== null) values.get(v.name)!.push(n);
    }
  }
  const metrics: Record<string, number> = {};
  for (const name of [...values.keys()].sort()) {
    const list = values.get(name)!;
    if (list.length > 0) for (const a of wanted) metrics[`${name}/${a}`] = aggregate(list, a);
    metrics[`${name}/error_count`] = errors.get(name) ?? 0;
  }
  const latencies = rows.flatMap((r) => (r.latency_ms === null ? [] : [r.latency_ms / 1000]));
  if (latencies.length > 0) {
    metrics['latency_seconds/p50'] = percentile(latencies, 50);
    metrics['latency_seconds/p90'] = percentile(latencies, 90);
  }
  const total = (pick: (r: MetricRow) => number | null | undefined, name: string) => {
    const list = rows.flatMap((r) => {
      const v = pick(r);
      return v === null || v === undefined ? [] : [v];
    });
    if (list.length > 0) metrics[name] = list.reduce((a, b) => a + b, 0);
  };
  total((r) => r.input_tokens, 'input_tokens/total');
  total((r) => r.output_tokens, 'output_tokens/total');
  total((r) => r.total_tokens, 'total_tokens/total');
  total((r) => r.cost, 'cost/total');
  total((r) => r.judge_cost, 'judge_cost/total');
  const scored = rows.filter((r) => r.status === 'done');
  if (scored.length > 0) metrics.pass_rate = scored.filter((r) => r.passed === true).length / scored.length;
  metrics.error_rate = rows.length === 0 ? 0 : rows.filter((r) => r.status === 'errored').length / rows.length;
  return metrics;
}

/**
 * Whether a row passed: every yes/no verdict is yes and no judge failed. Numeric verdicts
 * (precision, latency) carry no pass mark. Returns the judges that failed, by feedback name.
 */
export function rowVerdict(verdicts: ReadonlyArray<{ name: string; value: JsonValue | null; error: unknown }>): { passed: boolean; failing: string[] } {
  const failing = new Set<string>();
  for (const v of verdicts) {
    if (v.error) failing.add(v.name);
    else if (typeof v.value !== 'number' && numericValue(v.value) === 0) failing.add(v.name);
  }
  return { passed: failing.size === 0, failing: [...failing].sort() };
}
