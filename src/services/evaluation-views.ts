/** Evaluation runs and rows as the API shows them, and the comparison of two runs. */
import type { AppContext } from '../services/context.ts';
import { compareMetrics, compareRows } from '../domain/evaluation-compare.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { allRows, findRun, rowCounts, type EvaluationRowRow, type EvaluationRunRow } from '../storage/evaluation-repository.ts';

export async function getRun(ctx: AppContext, runId: string): Promise<EvaluationRunRow> {
  const run = await findRun(ctx.db, runId);
  if (!run) throw notFound(`run_id: evaluation run '${runId}' does not exist`);
  return run;
}

/** What every view of a run starts with. */
function runHeader(run: EvaluationRunRow) {
  return {
    run_id: run.run_id,
    name: run.name,
    experiment_id: String(run.experiment_id),
    status: run.status,
    dataset: run.dataset_name === null ? null : { name: run.dataset_name, version: run.dataset_version },
  };
}

/** A run with live progress counts (rows still running are counted as pending). */
export async function runView(ctx: AppContext, run: EvaluationRunRow) {
  const { pending, ...counts } = await rowCounts(ctx.db, run.run_id);
  return {
    ...runHeader(run),
    target: run.target,
    scorers: run.scorers,
    concurrency: run.concurrency,
    progress: { ...counts, pending, finished: counts.done + counts.errored },
    metrics: run.metrics,
    error: run.error,
    created_by: run.created_by,
    create_time: run.created_at.toISOString(),
    start_time: run.started_at?.toISOString() ?? null,
    end_time: run.finished_at?.toISOString() ?? null,
  };
}

/** A run in a list: no per-row counting, the counts stored at finish. */
export function runSummary(run: EvaluationRunRow) {
  return {
    ...runHeader(run),
    target: run.target,
    rows: run.rows_total,
    counts: run.counts,
    metrics: run.metrics,
    create_time: run.created_at.toISOString(),
    end_time: run.finished_at?.toISOString() ?? null,
  };
}

export function rowView(row: EvaluationRowRow) {
  return {
    row_index: row.row_index,
    request_id: row.request_id,
    status: row.status,
    inputs: row.inputs,
    outputs: row.outputs,
    expectations: row.expectations,
    retrieved_context: row.retrieved_context,
    trace_id: row.trace_id,
    latency_ms: row.target_latency_ms,
    tokens: { input: row.input_tokens, output: row.output_tokens, total: row.total_tokens },
    cost: row.cost,
    error: row.error,
    passed: row.passed,
    failing_judges: row.failing_judges,
    verdicts: row.verdicts,
  };
}

/** Metrics side by side with deltas (second minus first) and per-row changes matched by inputs. */
export async function compareRuns(ctx: AppContext, runIds: string[]) {
  if (runIds.length !== 2) throw invalid('run_ids: give exactly two run ids, A,B');
  const runs = await Promise.all(runIds.map((id) => getRun(ctx, id)));
  const [a, b] = await Promise.all(runIds.map((id) => allRows(ctx.db, id)));
  const { changes, only_in_a, only_in_b } = compareRows(a!, b!);
  const of = (kind: string) => changes.filter((c) => c.kind === kind);
  return {
    runs: runs.map(runSummary),
    metrics: compareMetrics(runs.map((r) => r.metrics)),
    rows: {
      matched: changes.length,
      only_in_a,
      only_in_b,
      regressions: of('regression'),
      improvements: of('improvement'),
      unchanged: of('unchanged').length,
    },
  };
}
