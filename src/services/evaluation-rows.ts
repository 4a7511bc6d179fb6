/**
 * One slice of an evaluation run: for each pending row, call the target (once: its answer is stored
 * before anything else happens, so a resumed run never calls it again for that row), record the
 * row's trace, score it, and mark it passed or failed. A target failure marks the row errored with
 * the reason; the run goes on.
 */
import type { AppContext } from '../api/context.ts';
import { isAssayError } from '../domain/errors.ts';
import type { IncomingTrace } from '../domain/trace.ts';
import type { ScorerEntry } from '../scorers/registry.ts';
import { findRun, finishRow, pendingRows, recordOutput, setRowTrace, type EvaluationRowRow, type EvaluationRunRow } from '../storage/evaluation-repository.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import { finishRunIfDone, slicing } from './evaluation-plan.ts';
import { RowScorers, scoreRow } from './evaluation-scoring.ts';
import { createTarget, targetSchema, type TargetCall } from './evaluation-target.ts';
import { buildRowTrace, givenRowTrace } from './evaluation-trace.ts';
import { ingestTraces } from './ingest.ts';
import { getJudge } from './judge-provider.ts';
import { runPool } from './pool.ts';

interface SliceContext {
  ctx: AppContext;
  run: EvaluationRunRow;
  target: TargetCall | null;
  scorers: RowScorers;
  judge: Awaited<ReturnType<typeof getJudge>>['judge'];
  signal: AbortSignal;
}

export async function runSlice(ctx: AppContext, runId: string, slice: number, signal: AbortSignal): Promise<void> {
  const run = await findRun(ctx.db, runId);
  if (!run || run.status !== 'running') return;
  const { slices, lanes } = slicing(run);
  const rows = await pendingRows(ctx.db, runId, slice, slices);
  if (rows.length > 0) {
    const s: SliceContext = {
      ctx,
      run,
      target: run.target ? createTarget(ctx.config, targetSchema.parse(run.target)) : null,
      scorers: new RowScorers(run.scorers as ScorerEntry[] | null, ctx.config.judge.model),
      judge: (await getJudge(ctx)).judge,
      signal,
    };
    await runPool(rows, lanes, signal, (row) => processRow(s, row));
  }
  signal.throwIfAborted();
  await finishRunIfDone(ctx, runId);
}

async function processRow(s: SliceContext, initial: EvaluationRowRow): Promise<void> {
  const { ctx, run } = s;
  let row = initial;
  const started = Date.now();
  if (row.error !== null) {
    // The caller's own function failed on this row (client-side evaluate).
    await recordTrace(s, row, { start_ms: started, latency_ms: 0 }, row.error);
    await finishRow(ctx.db, run.run_id, row.row_index, { status: 'errored', error: row.error });
    return;
  }
  if (!row.output_recorded && s.target) {
    const t0 = performance.now();
    try {
      const answer = await s.target(row.inputs, s.signal);
      const latency_ms = performance.now() - t0;
      const fresh = { outputs: answer.outputs, latency_ms, input_tokens: answer.input_tokens, output_tokens: answer.output_tokens, total_tokens: answer.total_tokens, cost: answer.cost };
      // Stored before scoring: from here on a crash resumes at scoring.
      if (await recordOutput(ctx.db, run.run_id, row.row_index, fresh)) {
        row = { ...row, ...fresh, target_latency_ms: latency_ms, output_recorded: true };
      } else {
        row = (await reload(s, row)) ?? row;
      }
    } catch (error) {
      if (!isAssayError(error, 'TARGET_ERROR')) throw error;
      const latency_ms = performance.now() - t0;
      await recordTrace(s, row, { start_ms: started, latency_ms }, error.message);
      await finishRow(ctx.db, run.run_id, row.row_index, { status: 'errored', error: error.message, latency_ms });
      return;
    }
  }
  const traceId = await recordTrace(s, row, { start_ms: started, latency_ms: row.target_latency_ms ?? 0 }, null);
  const [trace] = await loadStoredTraces(ctx.db, [traceId]);
  if (!trace) throw new Error(`trace ${traceId} of row ${row.row_index} vanished`);
  if (row.given_trace !== null) await useTraceFigures(s, row, trace.info);
  const { verdicts, passed, failing } = await scoreRow(ctx, run.run_id, row.row_index, trace, s.scorers, s.judge, s.signal);
  await finishRow(ctx.db, run.run_id, row.row_index, { status: 'done', passed, failing_judges: failing, verdicts });
}

async function recordTrace(s: SliceContext, row: EvaluationRowRow, timing: { start_ms: number; latency_ms: number }, error: string | null): Promise<string> {
  const trace: IncomingTrace = row.given_trace !== null ? givenRowTrace(s.run.run_id, s.run.name, row) : buildRowTrace(s.run.run_id, s.run.name, row, timing, error);
  await ingestTraces(s.ctx.db, String(s.run.experiment_id), [trace], 'rest');
  if (row.trace_id !== trace.trace_id) await setRowTrace(s.ctx.db, s.run.run_id, row.row_index, trace.trace_id);
  return trace.trace_id;
}

/** A caller-recorded trace brings the row's latency, tokens and cost. */
async function useTraceFigures(
  s: SliceContext,
  row: EvaluationRowRow,
  info: { execution_duration_ms: number | null; input_tokens: number | null; output_tokens: number | null; total_tokens: number | null; cost: number | null },
): Promise<void> {
  await s.ctx.db
    .updateTable('assay.evaluation_row')
    .set({
      target_latency_ms: info.execution_duration_ms,
      input_tokens: info.input_tokens,
      output_tokens: info.output_tokens,
      total_tokens: info.total_tokens,
      cost: info.cost,
    })
    .where('run_id', '=', s.run.run_id)
    .where('row_index', '=', row.row_index)
    .execute();
}

async function reload(s: SliceContext, row: EvaluationRowRow): Promise<EvaluationRowRow | undefined> {
  return s.ctx.db.selectFrom('assay.evaluation_row').selectAll().where('run_id', '=', s.run.run_id).where('row_index', '=', row.row_index).executeTakeFirst();
}
