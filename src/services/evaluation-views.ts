/** Evaluation runs and rows as the API shows them, and the comparison of two runs. */
import type { AppContext } from '../services/context.ts';
import { changeKind, compareMetrics, type RowChange } from '../domain/evaluation-compare.ts';
import type { JsonObject } from '../domain/trace.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { targetForReaders } from './evaluation-target.ts';
import { findRun, forEachRowPair, rowCounts, type EvaluationRowRow, type EvaluationRunRow } from '../storage/evaluation-repository.ts';

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
    target: targetForReaders(run.target),
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
    target: targetForReaders(run.target),
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

/** Regressions and improvements a comparison lists at most, each; the counts cover them all. */
export const COMPARE_LISTED_CHANGES = 1000;
/** Row pairs read at a time while comparing. */
const COMPARE_PAGE_ROWS = 1000;

/**
 * Metrics side by side with deltas (second minus first) and per-row changes matched by inputs.
 * Rows are matched in Postgres and read a page at a time; the first `COMPARE_LISTED_CHANGES`
 * regressions and improvements (in A's row order) are listed, `regression_count` and
 * `improvement_count` count them all.
 */
export async function compareRuns(ctx: AppContext, runIds: string[]) {
  if (runIds.length !== 2) throw invalid('run_ids: give exactly two run ids, A,B');
  const runs = await Promise.all(runIds.map((id) => getRun(ctx, id)));
  const rows = { matched: 0, only_in_a: 0, only_in_b: 0, regressions: [] as RowChange[], improvements: [] as RowChange[], unchanged: 0, regression_count: 0, improvement_count: 0 };
  await forEachRowPair(ctx.db, runIds[0]!, runIds[1]!, COMPARE_PAGE_ROWS, (pairs) => {
    for (const p of pairs) {
      if (p.b_index === null) rows.only_in_a += 1;
      else if (p.a_index === null) rows.only_in_b += 1;
      else {
        rows.matched += 1;
        const kind = changeKind({ status: p.a_status!, passed: p.a_passed }, { status: p.b_status!, passed: p.b_passed });
        if (kind === 'unchanged') {
          rows.unchanged += 1;
          continue;
        }
        const listed = kind === 'regression' ? rows.regressions : rows.improvements;
        if (kind === 'regression') rows.regression_count += 1;
        else rows.improvement_count += 1;
        if (listed.length >= COMPARE_LISTED_CHANGES) continue;
        listed.push({
          kind,
          inputs: p.inputs as JsonObject,
          row_indexes: [p.a_index, p.b_index],
          passed: [p.a_passed, p.b_passed],
          failing_judges: [p.a_failing ?? [], p.b_failing ?? []],
        });
      }
    }
  });
  return {
    runs: runs.map(runSummary),
    metrics: compareMetrics(runs.map((r) => r.metrics)),
    rows,
  };
}
