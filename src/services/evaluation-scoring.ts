/**
 * Scoring one evaluation row: which judges apply, one feedback per (run, row, scorer) whatever
 * retries happen, and the row's verdict. Feedback already stored for a row (a crash after its
 * judges answered) is kept and not asked for again; when a write finds feedback already there, the
 * verdict is read back from what is stored, so a row never reports a second opinion.
 */
import type { FeedbackDraft } from '../domain/assessment.ts';
import { defaultScorers } from '../domain/evaluation-record.ts';
import { feedbackScope, rowFeedbackKey, rowKeyPrefix } from '../domain/feedback-key.ts';
import type { JsonValue, StoredTrace } from '../domain/trace.ts';
import type { JudgeClient } from '../scorers/judge-client.ts';
import { buildScorer, type Scorer, type ScorerEntry } from '../scorers/registry.ts';
import { scorerInputFromTrace, withRecordConversation } from '../scorers/scorer-input.ts';
import {
  feedbackWithKeyPrefix,
  feedbackWrite,
  newAssessmentId,
  storedKeysWithPrefix,
  type AssessmentWrite,
} from '../storage/assessment-repository.ts';
import type { RowVerdict } from '../storage/evaluation-schema.ts';
import type { Executor } from '../storage/trace-repository.ts';

/** Builds scorers once per job and hands out the ones a row gets. */
export class RowScorers {
  private readonly built = new Map<string, Scorer>();
  constructor(
    private readonly entries: ReadonlyArray<ScorerEntry> | null,
    private readonly model: string,
  ) {}

  /** The request's scorers, or the defaults for what the row holds. */
  forRow(expectations: Record<string, JsonValue>, hasRetrieval: boolean): Scorer[] {
    const entries = this.entries ?? defaultScorers({ expectations, hasRetrieval }).map((name) => ({ name }));
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

/** Feedback keys already stored for these traces under this run: what an earlier attempt wrote. */
export async function storedFeedbackKeys(db: Executor, runId: string, traceIds: readonly string[]): Promise<Set<string>> {
  return storedKeysWithPrefix(db, traceIds, feedbackScope('evaluation', runId));
}

/** A row's judge answers, ready to be stored once the trace and the row's output are. */
export interface RowJudgement {
  traceId: string;
  prefix: string;
  /** Feedback for this row was stored by an earlier attempt: the verdict is read back. */
  resumed: boolean;
  /** Ids are chosen up front, so a batch write can tell which of them it inserted. */
  writes: Array<{ id: string; scorer: string; draft: FeedbackDraft; key: string }>;
}

/**
 * Asks the row's judges (those that apply and have no stored feedback yet), side by side: the row
 * takes as long as its slowest judge, not their sum. Writes nothing.
 */
export async function judgeRow(
  runId: string,
  rowIndex: number,
  trace: StoredTrace,
  scorers: RowScorers,
  judge: JudgeClient,
  signal: AbortSignal,
  existing: ReadonlySet<string>,
): Promise<RowJudgement> {
  // A multi-turn record (chat messages as inputs) is also a conversation for session judges.
  const input = withRecordConversation(scorerInputFromTrace(trace), `row-${rowIndex}`);
  const key = (name: string, i = 0) => rowFeedbackKey(runId, rowIndex, name, i);
  const prefix = rowKeyPrefix(runId, rowIndex);
  const todo = scorers
    .forRow(input.expectations, input.retrieved.some((g) => g.documents.length > 0))
    .filter((s) => !existing.has(key(s.name)) && s.applicability(input).applies);
  const scored = await Promise.all(todo.map(async (scorer) => ({ scorer, drafts: await scorer.score(input, { judge, signal }) })));
  signal.throwIfAborted();
  return {
    traceId: trace.info.trace_id,
    prefix,
    resumed: [...existing].some((k) => k.startsWith(prefix)),
    writes: scored.flatMap(({ scorer, drafts }) => drafts.map((d, i) => ({ id: newAssessmentId(), scorer: scorer.name, draft: withRun(d, runId), key: key(scorer.name, i) }))),
  };
}

/** The feedback writes of a judgement. */
export function judgementWrites(j: RowJudgement): AssessmentWrite[] {
  return j.writes.map((w) => ({ ...feedbackWrite(j.traceId, w.draft, w.key), assessment_id: w.id }));
}

/**
 * A row's verdicts once its feedback was inserted (`written`: the ids inserted): from the judges'
 * answers, or read back from storage whenever anything was there before, so a row never reports a
 * second opinion.
 */
export async function verdictsAfterWrite(db: Executor, j: RowJudgement, written: ReadonlySet<string>): Promise<RowVerdict[]> {
  const allNew = j.writes.every((w) => written.has(w.id));
  if (!j.resumed && allNew) return [...j.writes].sort((a, b) => a.key.localeCompare(b.key)).map((w) => verdictOf(w.draft, w.scorer));
  return readVerdicts(db, j.traceId, j.prefix);
}

async function readVerdicts(db: Executor, traceId: string, prefix: string): Promise<RowVerdict[]> {
  const rows = await feedbackWithKeyPrefix(db, traceId, prefix);
  return rows
    .sort((a, b) => a.idempotency_key!.localeCompare(b.idempotency_key!))
    .map((a) => ({
      name: a.name,
      scorer: a.idempotency_key!.slice(prefix.length).replace(/#\d+$/, ''),
      value: a.value,
      rationale: a.rationale,
      error: a.error,
      source: { source_type: a.source_type, source_id: a.source_id },
    }));
}

function verdictOf(d: FeedbackDraft, scorer: string): RowVerdict {
  return { name: d.name, scorer, value: d.value, rationale: d.rationale, error: d.error, source: d.source };
}

function withRun(draft: FeedbackDraft, runId: string): FeedbackDraft {
  return { ...draft, metadata: { ...draft.metadata, 'assay.evaluation.run_id': runId } };
}
