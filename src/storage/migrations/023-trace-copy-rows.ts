import { sql, type Kysely } from 'kysely';

/**
 * `assay.trace_copy_rows(ids)`: what a monitor run copies into its results table for these trace
 * ids, one row per trace found (with its valid assessments, in order). Each id is looked up in
 * `assay.trace_key` for its partition key, and the trace and its assessments are then read by the
 * full key: one index probe per id, in the one partition that holds it. The results table differs
 * per monitor, so the copy's INSERT is planned anew every time; this read is the same for all, and
 * as a PL/pgSQL function its plan is made once per connection instead of once per chunk (planning
 * it over every time partition cost about as much as the copy of 100 rows).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function assay.trace_copy_rows(ids text[]) returns table (
      trace_id text, experiment_id text, client_request_id text, request_time timestamptz,
      execution_duration_ms bigint, state text, request jsonb, response jsonb, request_preview text,
      response_preview text, trace_metadata jsonb, tags jsonb, input_tokens bigint, output_tokens bigint,
      total_tokens bigint, cost double precision, assessments jsonb, trace_version text)
    language plpgsql stable as $copy$
    #variable_conflict use_column
    begin
      return query
        select t.trace_id, t.experiment_id::text, t.client_request_id, to_timestamp(t.request_time / 1000.0),
               t.execution_duration_ms, t.state, t.request, t.response, t.request_preview, t.response_preview,
               t.trace_metadata, t.tags, t.input_tokens, t.output_tokens, t.total_tokens, t.cost,
               coalesce(a.list, '[]'::jsonb), t.change_xid::text
        from unnest(ids) as u(id)
        cross join lateral (select k.* from assay.trace_key k where k.trace_id = u.id offset 0) k
        cross join lateral (
          select t.* from assay.trace t
          where t.trace_id = k.trace_id and t.retention_class = k.retention_class and t.created_at = k.created_at
          offset 0
        ) t
        left join lateral (
          select jsonb_agg(jsonb_build_object(
                   'assessment_id', x.assessment_id, 'name', x.name, 'kind', x.kind, 'value', x.value,
                   'rationale', x.rationale, 'source_type', x.source_type, 'source_id', x.source_id,
                   'error', x.error, 'span_id', x.span_id, 'metadata', x.metadata, 'create_time', x.create_time)
                 order by x.create_time, x.assessment_id) as list
          from assay.assessment x
          where x.trace_id = k.trace_id and x.retention_class = k.retention_class
            and x.trace_created_at = k.created_at and x.valid
        ) a on true;
    end
    $copy$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function assay.trace_copy_rows(text[])`.execute(db);
}
