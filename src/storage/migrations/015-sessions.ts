import { sql, type Kysely } from 'kysely';

/**
 * Sessions and users as columns of the trace, derived from its metadata (`mlflow.trace.session`,
 * `mlflow.trace.user`) so they can never disagree with it, with an index for the sessions list.
 * Traces stored before ingest lifted span attributes (`session.id`, `gen_ai.conversation.id`,
 * `user.id`) into metadata get that metadata first; metadata already stated wins. Monitoring runs
 * list the sessions they judge in `monitor_run_session`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update assay.trace t
    set trace_metadata = s.lifted || t.trace_metadata
    from (
      select trace_id, jsonb_strip_nulls(jsonb_build_object(
        'mlflow.trace.session', nullif(coalesce(max(attributes->>'session.id'), max(attributes->>'gen_ai.conversation.id')), ''),
        'mlflow.trace.user', nullif(max(attributes->>'user.id'), ''))) as lifted
      from assay.span
      where attributes ? 'session.id' or attributes ? 'gen_ai.conversation.id' or attributes ? 'user.id'
      group by trace_id
    ) s
    where s.trace_id = t.trace_id and s.lifted <> '{}'::jsonb
      and not (t.trace_metadata ? 'mlflow.trace.session' and t.trace_metadata ? 'mlflow.trace.user')
  `.execute(db);
  await sql`
    alter table assay.trace
      add column session_id text generated always as (trace_metadata->>'mlflow.trace.session') stored,
      add column user_id text generated always as (trace_metadata->>'mlflow.trace.user') stored
  `.execute(db);
  // The sessions list groups one experiment's traces by session; a session's view reads its turns in order.
  await sql`
    create index trace_experiment_session on assay.trace (experiment_id, session_id, request_time, trace_id)
    where session_id is not null
  `.execute(db);
  // The sessions a monitoring run judges, by chunk (like monitor_run_trace for traces): the
  // session's version (turns and last trace) as it was when the run was planned.
  await sql`
    create table assay.monitor_run_session (
      run_id text not null references assay.monitor_run on delete cascade,
      chunk integer not null,
      session_id text not null,
      last_trace_id text not null,
      turns integer not null,
      primary key (run_id, chunk, session_id)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table assay.monitor_run_session`.execute(db);
  await sql`drop index assay.trace_experiment_session`.execute(db);
  await sql`alter table assay.trace drop column session_id, drop column user_id`.execute(db);
}
