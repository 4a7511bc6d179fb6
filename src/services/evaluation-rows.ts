/**
 * One slice of an evaluation run: for each pending row, call the target (once: its answer is stored
 * before anything else happens, so a resumed run never calls it again for that row), record the
 * row's trace, score it, and mark it passed or failed. A target failure marks the row errored with
 * the reason; the run goes on.
 */
import type { AppContext } from '../services/context.ts';
import { isAssayError } from '../domain/errors.ts';
import type { IncomingTrace, StoredTrace } from '../domain/trace.ts';
import type { ScorerEntry } from '../scorers/registry.ts';
import {
  findRow,
  pendingRows,
  recordOutput,
  setRowFigures,
  type EvaluationRowRow,
  type EvaluationRunRow,
  type RowFigures,
} from '../storage/evaluation-repository.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import { slicing } from './evaluation-plan.ts';
import { judgeRow, RowScorers, storedFeedbackKeys } from './evaluation-scoring.ts';
import { RowWriter } from './evaluation-writer.ts';
import { createTarget, targetSchema, type TargetCall } from './evaluation-target.ts';
import { buildRowTrace, givenRowTrace, storedTraceOf, type RowTiming } from './evaluation-trace.ts';
import { ingestTraces } from './ingest.ts';
import { runPoolFrom } from './pool.ts';
import type { JudgeClient } from '../scorers/judge-client.ts';

interface SliceContext {
  ctx: AppContext;
  run: EvaluationRunRow;
  target: TargetCall | null;
  scorers: RowScorers;
  judge: JudgeClient;
  /** Feedback an earlier attempt stored for this slice's rows. */
  existing: Set<string>;
  writer: RowWriter;
  signal: AbortSignal;
}

/** Pending rows a slice reads at a time: a slice of a large run is never held whole. */
export const SLICE_PAGE_ROWS = 200;

/** Runs the pending rows of one slice of a running run, a page of rows at a time. */
export async function runRows(ctx: AppContext, run: EvaluationRunRow, slice: number, signal: AbortSignal): Promise<void> {
  const runId = run.run_id;
  const { slices, lanes } = slicing(run);
  const first = await pendingRows(ctx.db, runId, slice, slices, { after: -1, limit: SLICE_PAGE_ROWS });
  if (first.length > 0) {
    const s: SliceContext = {
      ctx,
      run,
      target: run.target ? createTarget(ctx.config, targetSchema.parse(run.target)) : null,
      scorers: new RowScorers(run.scorers as ScorerEntry[] | null, ctx.config.judge.model),
      judge: ctx.judge.judge,
      existing: new Set(),
      writer: new RowWriter(ctx.db, runId, run.experiment_id),
      signal,
    };
    const feed = new RowFeed(s, first, (after) => pendingRows(ctx.db, runId, slice, slices, { after, limit: SLICE_PAGE_ROWS }));
    const tails = new TailTracker(lanes * 4);
    await runPoolFrom(() => feed.next(), lanes, signal, async (row) => tails.add((await processRow(s, row)).tail));
    await tails.drain();
  }
  signal.throwIfAborted();
}

/**
 * Hands out a slice's pending rows one at a time, reading the next page (keyset on row_index, so
 * rows still being written are not read again) when the current one runs out. Feedback an earlier
 * attempt stored for a page's rows joins `existing` before any of them is handed out.
 */
class RowFeed {
  private page: EvaluationRowRow[] = [];
  private at = 0;
  private done = false;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly s: SliceContext,
    first: EvaluationRowRow[],
    private readonly read: (after: number) => Promise<EvaluationRowRow[]>,
  ) {
    this.loading = this.take(first);
  }

  async next(): Promise<EvaluationRowRow | undefined> {
    for (;;) {
      if (this.loading) await this.loading;
      if (this.at < this.page.length) return this.page[this.at++];
      if (this.done) return undefined;
      this.loading ??= this.read(this.page.at(-1)!.row_index).then((rows) => this.take(rows));
    }
  }

  private async take(rows: EvaluationRowRow[]): Promise<void> {
    try {
      const { run } = this.s;
      const ids = rows.map((r) => incomingTrace(run, r, { start_ms: 0, latency_ms: 0 }, null).trace_id);
      for (const key of await storedFeedbackKeys(this.s.ctx.db, run.run_id, ids)) this.s.existing.add(key);
      this.page = rows;
      this.at = 0;
      this.done = rows.length < SLICE_PAGE_ROWS;
    } finally {
      this.loading = undefined;
    }
  }
}

/**
 * Calls the target and the judges for one row; returns the row's remaining writes (trace,
 * feedback, verdict), which need not hold the lane: the next row's target call starts meanwhile.
 */
async function processRow(s: SliceContext, initial: EvaluationRowRow): Promise<{ tail: Promise<void> }> {
  const { ctx, run } = s;
  let row = initial;
  const started = Date.now();
  const errored = (error: string, latency_ms: number | null) => {
    const trace = incomingTrace(run, row, { start_ms: started, latency_ms: latency_ms ?? 0 }, error);
    return { tail: s.writer.write({ rowIndex: row.row_index, trace: row.given_trace === null ? trace : null, traceId: trace.trace_id, result: { status: 'errored', error, latency_ms } }) };
  };
  if (row.error !== null) {
    // The caller's own function failed on this row (client-side evaluate).
    if (row.given_trace !== null) await storeTrace(s, incomingTrace(run, row, { start_ms: started, latency_ms: 0 }, row.error));
    return errored(row.error, null);
  }
  if (!row.output_recorded && s.target) {
    const t0 = performance.now();
    try {
      const answer = await s.target(row.inputs, s.signal);
      const latency_ms = performance.now() - t0;
      const fresh = { outputs: answer.outputs, latency_ms, input_tokens: answer.input_tokens, output_tokens: answer.output_tokens, total_tokens: answer.total_tokens, cost: answer.cost };
      // Stored before scoring: from here on a crash resumes at scoring, never at the target.
      if (await recordOutput(ctx.db, run.run_id, row.row_index, fresh)) {
        row = { ...row, ...fresh, target_latency_ms: latency_ms, output_recorded: true };
      } else {
        // Another delivery of this job stored its answer first; that one is judged.
        const stored = await reload(s, row);
        if (stored?.status !== 'pending') return { tail: Promise.resolve() };
        row = stored;
      }
    } catch (error) {
      if (!isAssayError(error, 'TARGET_ERROR')) throw error;
      return errored(error.message, performance.now() - t0);
    }
  }
  const incoming = incomingTrace(run, row, { start_ms: started, latency_ms: row.target_latency_ms ?? 0 }, null);
  let trace: StoredTrace;
  if (row.given_trace === null) {
    // Built in memory: the judges need not wait for the trace to be written.
    trace = storedTraceOf(incoming, String(run.experiment_id));
  } else {
    await storeTrace(s, incoming);
    const [loaded] = await loadStoredTraces(ctx.db, [incoming.trace_id]);
    if (!loaded) throw new Error(`trace ${incoming.trace_id} of row ${row.row_index} vanished`);
    trace = loaded;
    await useTraceFigures(s, row, trace.info);
  }
  const judgement = await judgeRow(run.run_id, row.row_index, trace, s.scorers, s.judge, s.signal, s.existing);
  const tail = s.writer.write({ rowIndex: row.row_index, trace: row.given_trace === null ? incoming : null, traceId: incoming.trace_id, result: { status: 'done', judgement } });
  return { tail };
}

/** Row writes still in flight: at most `limit` before the lanes wait, every failure surfaced. */
class TailTracker {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}

  async add(tail: Promise<void>): Promise<void> {
    const tracked = tail.then(
      () => void this.pending.delete(tracked),
      (error: unknown) => {
        this.pending.delete(tracked);
        this.failure ??= error;
      },
    );
    this.pending.add(tracked);
    if (this.failure !== undefined) throw this.failure;
    while (this.pending.size > this.limit) await Promise.race(this.pending);
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }
}

function incomingTrace(run: EvaluationRunRow, row: EvaluationRowRow, timing: RowTiming, error: string | null): IncomingTrace {
  return row.given_trace !== null ? givenRowTrace(run.run_id, run.name, row) : buildRowTrace(run.run_id, run.name, row, timing, error);
}

async function storeTrace(s: SliceContext, trace: IncomingTrace): Promise<string> {
  await ingestTraces(s.ctx.db, String(s.run.experiment_id), [trace], 'rest');
  return trace.trace_id;
}

/** A caller-recorded trace brings the row's latency, tokens and cost. */
async function useTraceFigures(
  s: SliceContext,
  row: EvaluationRowRow,
  info: RowFigures,
): Promise<void> {
  await setRowFigures(s.ctx.db, s.run.run_id, row.row_index, info);
}

async function reload(s: SliceContext, row: EvaluationRowRow): Promise<EvaluationRowRow | undefined> {
  return findRow(s.ctx.db, s.run.run_id, row.row_index);
}
