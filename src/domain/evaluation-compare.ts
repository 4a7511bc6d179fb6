/**
 * Comparing evaluation runs: metrics side by side with deltas, and rows matched by their inputs
 * (canonical JSON, the datasets' record identity) so two runs over the same data line up whatever
 * order their rows ran in.
 */
import { canonicalJson } from './canonical-json.ts';
import type { JsonObject } from './trace.ts';

export interface CompareRow {
  row_index: number;
  inputs: JsonObject;
  status: 'pending' | 'done' | 'errored';
  passed: boolean | null;
  failing_judges: string[];
}

export interface MetricComparison {
  metric: string;
  /** One value per run, in the order the runs were given; null where a run lacks the metric. */
  values: Array<number | null>;
  /** Last run minus first; null when either lacks the metric. */
  delta: number | null;
}

export type RowChangeKind = 'regression' | 'improvement' | 'unchanged';

export interface RowChange {
  kind: RowChangeKind;
  inputs: JsonObject;
  /** Row index in each run. */
  row_indexes: [number, number];
  passed: [boolean | null, boolean | null];
  failing_judges: [string[], string[]];
}

export function compareMetrics(metrics: ReadonlyArray<Record<string, number>>): MetricComparison[] {
  const names = [...new Set(metrics.flatMap((m) => Object.keys(m)))].sort();
  return names.map((metric) => {
    const values = metrics.map((m) => m[metric] ?? null);
    const first = values[0] ?? null;
    const last = values.at(-1) ?? null;
    return { metric, values, delta: first === null || last === null ? null : last - first };
  });
}

/** A row counts as passed only when it was scored and every judge said yes. */
const passedOf = (r: Pick<CompareRow, 'status' | 'passed'>) => r.status === 'done' && r.passed === true;

/** A regression passed in A and not in B (failed or errored); an improvement the reverse. */
export function changeKind(a: Pick<CompareRow, 'status' | 'passed'>, b: Pick<CompareRow, 'status' | 'passed'>): RowChangeKind {
  const before = passedOf(a);
  const after = passedOf(b);
  return before && !after ? 'regression' : !before && after ? 'improvement' : 'unchanged';
}

/**
 * Rows of run A and run B matched by inputs. Regressions passed in A and not in B (failed or
 * errored); improvements the reverse. Inputs seen twice in a run are matched in order.
 */
export function compareRows(a: readonly CompareRow[], b: readonly CompareRow[]): {
  changes: RowChange[];
  only_in_a: number;
  only_in_b: number;
} {
  const pending = new Map<string, CompareRow[]>();
  for (const row of [...b].sort((x, y) => x.row_index - y.row_index)) {
    const key = canonicalJson(row.inputs);
    const list = pending.get(key);
    if (list) list.push(row);
    else pending.set(key, [row]);
  }
  const changes: RowChange[] = [];
  let onlyInA = 0;
  for (const ra of [...a].sort((x, y) => x.row_index - y.row_index)) {
    const rb = pending.get(canonicalJson(ra.inputs))?.shift();
    if (!rb) {
      onlyInA += 1;
      continue;
    }
    changes.push({
      kind: changeKind(ra, rb),
      inputs: ra.inputs,
      row_indexes: [ra.row_index, rb.row_index],
      passed: [ra.passed, rb.passed],
      failing_judges: [ra.failing_judges, rb.failing_judges],
    });
  }
  const onlyInB = [...pending.values()].reduce((n, list) => n + list.length, 0);
  return { changes, only_in_a: onlyInA, only_in_b: onlyInB };
}
