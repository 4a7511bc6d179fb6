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
  const tally = new MetricTally();
  for (const row of rows) tally.add(row);
  return tally.metrics(aggregations);
}

const TOTALS = [
  ['input_tokens', 'input_tokens/total'],
  ['output_tokens', 'output_tokens/total'],
  ['total_tokens', 'total_tokens/total'],
  ['cost', 'cost/total'],
  ['judge_cost', 'judge_cost/total'],
] as const;

/**
 * `computeMetrics` a row at a time, so a run's rows can be read in pages: it keeps only the numbers
 * the metrics need (verdict values and latencies, for the percentiles), never the rows. Rows added
 * in the same order give the same figures, to the last bit.
 */
export class MetricTally {
  private readonly values = new Map<string, number[]>();
  private readonly errors = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly totals = new Map<string, number>();
  private rows = 0;
  private scored = 0;
  private passed = 0;
  private errored = 0;

  add(row: MetricRow): void {
    for (const v of row.verdicts) {
      if (!this.values.has(v.name)) this.values.set(v.name, []);
      if (v.error) {
        this.errors.set(v.name, (this.errors.get(v.name) ?? 0) + 1);
        continue;
      }
      const n = numericValue(v.value);
      if (n !== null) this.values.get(v.name)!.push(n);
    }
    if (row.latency_ms !== null) this.latencies.push(row.latency_ms / 1000);
    for (const [field, name] of TOTALS) {
      const v = row[field];
      if (v !== null && v !== undefined) this.totals.set(name, (this.totals.get(name) ?? 0) + v);
    }
    this.rows += 1;
    if (row.status === 'done') {
      this.scored += 1;
      if (row.passed === true) this.passed += 1;
    }
    if (row.status === 'errored') this.errored += 1;
  }

  metrics(aggregations: readonly Aggregation[] = []): Record<string, number> {
    const wanted: Aggregation[] = ['mean', ...aggregations.filter((a) => a !== 'mean')];
    const metrics: Record<string, number> = {};
    for (const name of [...this.values.keys()].sort()) {
      const list = this.values.get(name)!;
      if (list.length > 0) for (const a of wanted) metrics[`${name}/${a}`] = aggregate(list, a);
      metrics[`${name}/error_count`] = this.errors.get(name) ?? 0;
    }
    if (this.latencies.length > 0) {
      metrics['latency_seconds/p50'] = percentile(this.latencies, 50);
      metrics['latency_seconds/p90'] = percentile(this.latencies, 90);
    }
    for (const [, name] of TOTALS) {
      const total = this.totals.get(name);
      if (total !== undefined) metrics[name] = total;
    }
    if (this.scored > 0) metrics.pass_rate = this.passed / this.scored;
    metrics.error_rate = this.rows === 0 ? 0 : this.errored / this.rows;
    return metrics;
  }
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
