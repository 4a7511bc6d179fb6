/**
 * Scoring one evaluation row: which judges apply, one feedback per (run, row, scorer) whatever
 * retries happen, and the row's verdict read back from what is stored (so a retried row reports
 * the feedback written before the crash, not a second opinion).
 */
import type { AppContext } from '../api/context.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { defaultScorers } from '../domain/evaluation-record.ts';
import { rowVerdict } from '../domain/evaluation-metrics.ts';
import type { JsonValue, StoredTrace } from '../domain/trace.ts';
import type { JudgeClient } from '../scorers/judge-client.ts';
import { buildScorer, type Scorer, type ScorerEntry } from '../scorers/registry.ts';
import { scorerInputFromTrace } from '../scorers/scorer-input.ts';
import { feedbackWrite, insertAssessments } from '../storage/assessment-repository.ts';
import type { RowVerdict } from '../storage/evaluation-schema.ts';

/** The feedback key of one (run, row, scorer); extra drafts of one call get a suffix. */
export function evaluationFeedbackKey(runId: string, rowIndex: number, scorerName: string, draftIndex = 0): string {
  const base = `evaluation:${runId}:${rowIndex}:${scorerName}`;
  return draftIndex === 0 ? base : `${base}#${draftIndex}`;
}

/** Builds scorers once per job and hands out the ones a row gets. */
export class RowScorers {
  private readonly built = new Map<string, Scorer>();
  constructor(
    private readonly entries: ReadonlyArray<ScorerEntry> | null,
    private readonly model: string,
  ) {}

  /** The request's scorers, or the defaults for what the row holds. */
  forRow(hasGroundTruth: Record<string, JsonValue>, hasRetrieval: boolean): Scorer[] {
    const entries = this.entries ?? defaultScorers({ expectations: hasGroundTruth, hasRetrieval }).map((name) => ({ name }));
    return entries.map((entry) => {
      let scorer = this.built.get(entry.name);
      if (!scorer) {
        scorer = buildScorer(entry, { model: this.model });
        this.built.set(entry.name, scorer);
      }
      return scorer;
    });
  }
}

/** Scores a row's stored trace and returns its verdicts, pass mark and failing judges. */
export async function scoreRow(
  ctx: AppContext,
  runId: string,
  rowIndex: number,
  trace: StoredTrace,
  scorers: RowScorers,
  judge: JudgeClient,
  signal: AbortSignal,
): Promise<{ verdicts: RowVerdict[]; passed: boolean; failing: string[] }> {
  const input = scorerInputFromTrace(trace);
  const prefix = `evaluation:${runId}:${rowIndex}:`;
  const stored = () =>
    ctx.db
      .selectFrom('assay.assessment')
      .selectAll()
      .where('trace_id', '=', trace.info.trace_id)
      .where('kind', '=', 'feedback')
      .where('idempotency_key', 'like', `${prefix}%`)
      .execute();
  const done = new Set((await stored()).map((a) => scorerOf(a.idempotency_key!, prefix)));
  const todo = scorers
    .forRow(input.expectations, input.retrieved.some((g) => g.documents.length > 0))
    .filter((s) => !done.has(s.name) && s.applicability(input).applies);
  // A row's judges run side by side: the row takes as long as its slowest judge, not their sum.
  await Promise.all(
    todo.map(async (scorer) => {
      const drafts = await scorer.score(input, { judge, signal });
      await insertAssessments(ctx.db, drafts.map((d, i) => feedbackWrite(trace.info.trace_id, withRun(d, runId), evaluationFeedbackKey(runId, rowIndex, scorer.name, i))));
    }),
  );
  signal.throwIfAborted();
  const verdicts: RowVerdict[] = (await stored())
    .sort((a, b) => a.idempotency_key!.localeCompare(b.idempotency_key!))
    .map((a) => ({
      name: a.name,
      scorer: scorerOf(a.idempotency_key!, prefix),
      value: a.value,
      rationale: a.rationale,
      error: a.error,
      source: { source_type: a.source_type, source_id: a.source_id },
    }));
  const { passed, failing } = rowVerdict(verdicts);
  return { verdicts, passed, failing };
}

function withRun(draft: FeedbackDraft, runId: string): FeedbackDraft {
  return { ...draft, metadata: { ...draft.metadata, 'assay.evaluation.run_id': runId } };
}

function scorerOf(key: string, prefix: string): string {
  return key.slice(prefix.length).replace(/#\d+$/, '');
}
