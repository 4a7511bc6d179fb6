import { sql, type Kysely } from 'kysely';

/**
 * Every judge call a monitoring run paid for, recorded as it happens: one row per (trace, scorer)
 * and chunk attempt, so an attempt that crashes keeps its cost and a retried write of the same row
 * is not counted twice. The run's totals are summed from here when it ends, then the rows go.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor_run_call (
      run_id text not null references assay.monitor_run on delete cascade,
      scorer text not null,
      trace_id text not null,
      attempt_id text not null,
      judge_calls integer not null,
      input_tokens bigint not null,
      output_tokens bigint not null,
      cost double precision not null,
      stored boolean not null,
      recorded_at timestamptz not null default now(),
      primary key (run_id, scorer, trace_id, attempt_id)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table assay.monitor_run_call`.execute(db);
}
