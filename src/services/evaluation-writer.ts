/**
 * Batched writes of finished evaluation rows: each row's trace, expectations, feedback and verdict
 * are written together with other rows' in one transaction of a few multi-row statements, instead
 * of a dozen round trips per row. A row reaches the writer only after its answer is stored, so a
 * batch lost in a crash costs judge calls again, never a target call.
 */
import { rowVerdict } from '../domain/evaluation-metrics.ts';
import type { IncomingTrace } from '../domain/trace.ts';
import { summarizeTrace } from '../domain/trace-summary.ts';
import { insertAssessments } from '../storage/assessment-repository.ts';
import type { Db } from '../storage/connect.ts';
import { finishRows, type RowFinish } from '../storage/evaluation-repository.ts';
import type { RowVerdict } from '../storage/evaluation-schema.ts';
import { upsertSpans, upsertTraces } from '../storage/trace-repository.ts';
import { BatchWriter } from './batch-writer.ts';
import { judgementWrites, verdictsAfterWrite, type RowJudgement } from './evaluation-scoring.ts';

/** One finished row: its trace to record (null when already stored) and its outcome. */
export interface RowOutcome {
  rowIndex: number;
  trace: IncomingTrace | null;
  traceId: string;
  result: { status: 'done'; judgement: RowJudgement } | { status: 'errored'; error: string; latency_ms: number | null };
}

export class RowWriter {
  private readonly batches: BatchWriter<RowOutcome>;

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly experimentId: number,
    /** Rows per transaction at most. */
    maxBatch = 64,
    /** How long a row waits for others to share its transaction, ms. */
    maxDelayMs = 25,
  ) {
    // One transaction at a time per writer: batches grow while the previous one commits.
    this.batches = new BatchWriter((outcomes) => this.commit(outcomes), maxBatch, maxDelayMs, true);
  }

  /** Resolves once the row is committed. */
  write(outcome: RowOutcome): Promise<void> {
    return this.batches.add(outcome);
  }

  private async commit(outcomes: RowOutcome[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const traces = outcomes.flatMap((o) => (o.trace ? [o.trace] : []));
      if (traces.length > 0) {
        await upsertTraces(
          trx,
          traces.map((t) => ({
            trace_id: t.trace_id,
            experiment_id: this.experimentId,
            client_request_id: t.info?.client_request_id ?? null,
            trace_metadata: t.info?.trace_metadata ?? {},
            tags: t.info?.tags ?? {},
            summary: summarizeTrace(t.spans, t.info),
          })),
        );
        await upsertSpans(trx, traces.flatMap((t) => t.spans));
      }
      const judged = outcomes.flatMap((o) => (o.result.status === 'done' ? [o.result.judgement] : []));
      const writes = [...traces.flatMap((t) => t.assessments.map((a) => ({ ...a, trace_id: t.trace_id }))), ...judged.flatMap(judgementWrites)];
      const written = new Set(writes.length > 0 ? await insertAssessments(trx, writes) : []);
      const updates: RowFinish[] = [];
      for (const o of outcomes) {
        if (o.result.status === 'errored') {
          updates.push({ row_index: o.rowIndex, status: 'errored', trace_id: o.traceId, error: o.result.error.slice(0, 4000), latency_ms: o.result.latency_ms, passed: null, failing_judges: [], verdicts: [] });
          continue;
        }
        const verdicts: RowVerdict[] = await verdictsAfterWrite(trx, o.result.judgement, written);
        const { passed, failing } = rowVerdict(verdicts);
        updates.push({ row_index: o.rowIndex, status: 'done', trace_id: o.traceId, error: null, latency_ms: null, passed, failing_judges: failing, verdicts });
      }
      await finishRows(trx, this.runId, updates);
    });
  }
}
