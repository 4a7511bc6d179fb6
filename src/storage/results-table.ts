/**
 * The results table users query with SQL: `<schema>.trace_logs_<experiment_id>`, one row per trace
 * (upserted by trace_id), and the view `<schema>.assessment_logs_<experiment_id>`, one row per
 * valid assessment (with its metadata and the monitor run that wrote it, `run_id`), and the view `<schema>.session_logs_<experiment_id>`, one row per session. `trace_version` is the change of the trace that was copied (its change xid),
 * so a run skips traces whose current version is already in the table. The schema name is validated by the monitor config; the table name is built
 * from the numeric experiment id; both go through `sql.id`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from './connect.ts';
import { valueScore } from './feedback-score-sql.ts';

export function traceLogsTable(schema: string, experimentId: number): RawBuilder<unknown> {
  return sql.id(schema, `trace_logs_${experimentId}`);
}

export function assessmentLogsView(schema: string, experimentId: number): RawBuilder<unknown> {
  return sql.id(schema, `assessment_logs_${experimentId}`);
}

/** One row per session with its session-level feedback. */
export function sessionLogsView(schema: string, experimentId: number): RawBuilder<unknown> {
  return sql.id(schema, `session_logs_${experimentId}`);
}

/** Creates the schema, table and views when missing. Safe to call on every run. */
export async function ensureResultsTable(db: Executor, schema: string, experimentId: number): Promise<void> {
  const table = traceLogsTable(schema, experimentId);
  const view = assessmentLogsView(schema, experimentId);
  // Concurrent first runs of two monitors in one schema would race on `create schema`.
  await sql`select pg_advisory_xact_lock(hashtext(${`assay.results.${schema}`}))`.execute(db);
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  await sql`
    create table if not exists ${table} (
      trace_id text primary key,
      experiment_id text not null,
      client_request_id text,
      request_time timestamptz not null,
      execution_duration_ms bigint,
      state text not null,
      request jsonb,
      response jsonb,
      request_preview text,
      response_preview text,
      trace_metadata jsonb not null,
      tags jsonb not null,
      input_tokens bigint,
      output_tokens bigint,
      total_tokens bigint,
      cost double precision,
      assessments jsonb not null,
      copied_at timestamptz not null,
      trace_version text,
      session_id text generated always as (trace_metadata ->> 'mlflow.trace.session') stored
    )`.execute(db);
  // Tables created before trace_version or session_id existed get them on their next run.
  await sql`alter table ${table} add column if not exists trace_version text`.execute(db);
  await sql`alter table ${table} add column if not exists session_id text generated always as (trace_metadata ->> 'mlflow.trace.session') stored`.execute(db);
  await sql`create index if not exists ${sql.id(`trace_logs_${experimentId}_session`)} on ${table} (session_id) where session_id is not null`.execute(db);
  // One row per session: its turns, times, user and its valid session-level feedback.
  await sql`
    create or replace view ${sessionLogsView(schema, experimentId)} as
    with s as (
      select l.session_id,
             (array_agg(l.trace_metadata ->> 'mlflow.trace.user' order by l.request_time desc, l.trace_id desc)
                filter (where l.trace_metadata ? 'mlflow.trace.user'))[1] as user_id,
             count(*)::int as turns, min(l.request_time) as first_time, max(l.request_time) as last_time,
             (array_agg(l.trace_id order by l.request_time desc, l.trace_id desc))[1] as last_trace_id
      from ${table} l
      where l.session_id is not null
      group by l.session_id
    )
    select s.*,
           coalesce((select jsonb_agg(a order by a ->> 'create_time', a ->> 'assessment_id')
                     from ${table} l2 cross join lateral jsonb_array_elements(l2.assessments) a
                     where l2.session_id = s.session_id and a -> 'metadata' ->> 'mlflow.trace.session' = s.session_id),
                    '[]'::jsonb) as assessments
    from s`.execute(db);
  await sql`
    create or replace view ${view} as
    select l.trace_id, l.request_time, a.assessment_id, a.name, a.kind, a.value,
           ${valueScore(sql.ref('a.value'))} as numeric_value,
           a.rationale, a.source_type, a.source_id, a.error, a.span_id, a.create_time,
           -- Last, so that create or replace extends a view made before them.
           a.metadata, a.metadata ->> 'assay.monitor.run_id' as run_id
    from ${table} l
    cross join lateral jsonb_to_recordset(l.assessments) as a(
      assessment_id text, name text, kind text, value jsonb, rationale text, source_type text,
      source_id text, error jsonb, span_id text, create_time timestamptz, metadata jsonb)`.execute(db);
}

/**
 * Copies traces (with their valid assessments) into the results table; a trace copied before is
 * replaced. The rows come from `assay.trace_copy_rows` (migration 023): one index probe per id in
 * the one time partition that holds it, planned once per connection rather than per chunk.
 */
export async function copyTraces(db: Executor, schema: string, experimentId: number, traceIds: readonly string[]): Promise<number> {
  if (traceIds.length === 0) return 0;
  const table = traceLogsTable(schema, experimentId);
  // An id given twice (a chunk's trace that is also a turn of one of its sessions) is copied once:
  // one upsert cannot touch the same row twice.
  const ids = [...new Set(traceIds)];
  const result = await sql`
    insert into ${table} as l (
      trace_id, experiment_id, client_request_id, request_time, execution_duration_ms, state, request, response,
      request_preview, response_preview, trace_metadata, tags, input_tokens, output_tokens, total_tokens, cost,
      assessments, copied_at, trace_version)
    select r.trace_id, r.experiment_id, r.client_request_id, r.request_time, r.execution_duration_ms, r.state,
           r.request, r.response, r.request_preview, r.response_preview, r.trace_metadata, r.tags,
           r.input_tokens, r.output_tokens, r.total_tokens, r.cost, r.assessments, now(), r.trace_version
    from assay.trace_copy_rows(${ids}::text[]) r
    on conflict (trace_id) do update set
      client_request_id = excluded.client_request_id, request_time = excluded.request_time,
      execution_duration_ms = excluded.execution_duration_ms, state = excluded.state,
      request = excluded.request, response = excluded.response, request_preview = excluded.request_preview,
      response_preview = excluded.response_preview, trace_metadata = excluded.trace_metadata, tags = excluded.tags,
      input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
      total_tokens = excluded.total_tokens, cost = excluded.cost, assessments = excluded.assessments,
      copied_at = excluded.copied_at, trace_version = excluded.trace_version`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
