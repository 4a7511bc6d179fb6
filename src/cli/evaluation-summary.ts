/** Printing evaluation runs for humans: metrics, failing rows, comparisons. */
import { apiRequest } from './api-client.ts';
import { printTable } from './table.ts';

export interface RunView {
  run_id: string;
  name: string;
  status: string;
  experiment_id: string;
  dataset: { name: string; version: number } | null;
  progress: { rows: number; done: number; errored: number; passed: number; failed: number; pending: number; finished: number };
  metrics: Record<string, number>;
  error: string | null;
}

interface RowView {
  row_index: number;
  status: string;
  inputs: unknown;
  error: string | null;
  failing_judges: string[];
  verdicts: Array<{ name: string; rationale: string | null; error: { error_message: string } | null }>;
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '' : Number.isInteger(n) ? String(n) : n.toFixed(4));
const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The run's header, its metrics and up to `maxRows` failing or errored rows with the reason. */
export async function printRunSummary(run: RunView, maxRows = 20): Promise<void> {
  const data = run.dataset ? `${run.dataset.name} v${run.dataset.version}` : 'inline records';
  const p = run.progress;
  console.log(`run ${run.run_id} (${run.name}) on ${data}: ${run.status}; ${p.rows} rows, ${p.passed} passed, ${p.failed} failed, ${p.errored} errored`);
  if (run.error) console.log(`error: ${run.error}`);
  printTable(['metric', 'value'], Object.entries(run.metrics).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, fmt(v)]));
  const failing: RowView[] = [];
  for (const status of ['done', 'errored']) {
    const { rows } = await apiRequest<{ rows: RowView[] }>('GET', `/api/v1/evaluations/${run.run_id}/rows?status=${status}&max_results=1000`);
    failing.push(...rows.filter((r) => r.status === 'errored' || r.failing_judges.length > 0));
  }
  if (failing.length === 0) return;
  failing.sort((a, b) => a.row_index - b.row_index);
  console.log(`failing rows${failing.length > maxRows ? ` (first ${maxRows} of ${failing.length})` : ''}:`);
  printTable(
    ['row', 'inputs', 'failing', 'why'],
    failing.slice(0, maxRows).map((r) => {
      const first = r.verdicts.find((v) => r.failing_judges.includes(v.name));
      const why = r.error ?? first?.error?.error_message ?? first?.rationale ?? '';
      return [r.row_index, short(JSON.stringify(r.inputs), 40), r.status === 'errored' ? 'errored' : r.failing_judges.join(', '), short(why)];
    }),
  );
}

interface Comparison {
  metrics: Array<{ metric: string; values: Array<number | null>; delta: number | null }>;
  rows: { matched: number; unchanged: number; only_in_a: number; only_in_b: number; regressions: Array<{ inputs: unknown; failing_judges: [string[], string[]] }>; improvements: Array<{ inputs: unknown }>; regression_count: number; improvement_count: number };
}

export function printComparison(a: string, b: string, c: Comparison): void {
  printTable(['metric', a, b, 'delta'], c.metrics.map((m) => [m.metric, fmt(m.values[0]), fmt(m.values[1]), m.delta === null ? '' : `${m.delta > 0 ? '+' : ''}${fmt(m.delta)}`]));
  const r = c.rows;
  console.log(`${r.matched} rows matched by inputs: ${r.regression_count} regressions, ${r.improvement_count} improvements, ${r.unchanged} unchanged; ${r.only_in_a} only in A, ${r.only_in_b} only in B`);
  if (r.regressions.length > 0) {
    printTable(['regression', 'now failing'], r.regressions.map((x) => [short(JSON.stringify(x.inputs)), x.failing_judges[1].join(', ') || 'errored']));
    if (r.regression_count > r.regressions.length) console.log(`(the first ${r.regressions.length} of ${r.regression_count} regressions)`);
  }
}
