/**
 * A batch of a monitoring run's feedback and the judge calls that paid for it, written in one
 * statement: one round trip per batch, however many pairs it holds. The rows travel as two JSON
 * documents, so the statement's text is the same whatever the batch's size.
 *
 * What it does, all or nothing:
 * - locks the run row against its finish (shared: batches do not wait for each other) and reads
 *   its status;
 * - inserts the feedback into its traces' partitions (`assay.trace_key`); a pair whose idempotency
 *   key is stored is left alone, and a trace that no longer exists gets none;
 * - while the run is running, records each pair's calls, marked `stored` when its first feedback
 *   was the one written (otherwise the calls were repeated work). A run that has ended does not
 *   sum new rows, so its calls come back to the caller to be added to its counts.
 */
import { sql } from 'kysely';
import type { AssessmentWrite } from './assessment-repository.ts';
import type { Executor } from './connect.ts';
import type { RunCall } from './monitor-run-calls.ts';

export interface RunFeedbackItem {
  /** The pair's feedback, each with its `assessment_id` and `idempotency_key` set. */
  writes: AssessmentWrite[];
  call: RunCall;
}

export interface RunFeedbackResult {
  /** Ids of the feedback written by this batch. */
  written: Set<string>;
  /** Calls the run did not take because it had ended (with `stored` set): record them on their own. */
  late: RunCall[];
}

export async function writeRunFeedback(db: Executor, runId: string, items: readonly RunFeedbackItem[]): Promise<RunFeedbackResult> {
  const feedback = items.flatMap((item) => item.writes.map(feedbackRow));
  const calls = items
    .filter((item) => item.call.judge_calls > 0)
    .map(({ writes, call }) => ({ ...call, first_assessment: writes[0]?.assessment_id ?? null }));
  const { rows } = await sql<{ status: string | null; written: string[] }>`
    with run as (
      select status from assay.monitor_run where run_id = ${runId} for share
    ),
    ins as (
      insert into assay.assessment (assessment_id, trace_id, span_id, name, kind, value, rationale, error, source_type,
                                    source_id, metadata, overrides, valid, idempotency_key, retention_class, trace_created_at)
      select f.assessment_id, f.trace_id, f.span_id, f.name, 'feedback', f.value, f.rationale, f.error, f.source_type,
             f.source_id, coalesce(f.metadata, '{}'), null, true, f.idempotency_key, k.retention_class, k.created_at
        from jsonb_to_recordset(${JSON.stringify(feedback)}::jsonb) as f(
               assessment_id text, trace_id text, span_id text, name text, value jsonb, rationale text, error jsonb,
               source_type text, source_id text, metadata jsonb, idempotency_key text)
        join assay.trace_key k on k.trace_id = f.trace_id
      on conflict (idempotency_key, retention_class, trace_created_at) do nothing
      returning assessment_id
    ),
    calls as (
      insert into assay.monitor_run_call (run_id, scorer, trace_id, attempt_id, judge_calls, input_tokens, output_tokens, cost, stored)
      select ${runId}, c.scorer, c.trace_id, c.attempt_id, c.judge_calls, c.input_tokens, c.output_tokens, c.cost,
             c.first_assessment is null or c.first_assessment in (select assessment_id from ins)
        from jsonb_to_recordset(${JSON.stringify(calls)}::jsonb) as c(
               scorer text, trace_id text, attempt_id text, judge_calls integer, input_tokens bigint, output_tokens bigint,
               cost double precision, first_assessment text)
       where (select status from run) = 'running'
      on conflict (run_id, scorer, trace_id, attempt_id) do nothing
    )
    select (select status from run) as status, coalesce((select jsonb_agg(assessment_id) from ins), '[]') as written
  `.execute(db);
  const { status, written: ids } = rows[0]!;
  const written = new Set(ids);
  if (status === 'running') return { written, late: [] };
  const late = calls.map(({ first_assessment: first, ...call }) => ({ ...call, stored: first === null || written.has(first) }));
  return { written, late };
}

function feedbackRow(a: AssessmentWrite) {
  return {
    assessment_id: a.assessment_id,
    trace_id: a.trace_id,
    span_id: a.span_id,
    name: a.name,
    value: a.value ?? null,
    rationale: a.rationale ?? null,
    error: a.error ?? null,
    source_type: a.source.source_type,
    source_id: a.source.source_id ?? null,
    metadata: a.metadata,
    idempotency_key: a.idempotency_key,
  };
}
