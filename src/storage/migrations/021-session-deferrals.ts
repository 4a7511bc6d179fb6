import { sql, type Kysely } from 'kysely';

/**
 * The (session, scorer) pairs a spent judge budget deferred: session judges count against a
 * monitor's daily budget like trace judges, and a deferred session is judged once budget is back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor_deferred_session (
      experiment_id bigint not null references assay.experiment on delete cascade,
      session_id text not null,
      scorer text not null,
      run_id text,
      deferred_at timestamptz not null default now(),
      primary key (experiment_id, session_id, scorer)
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table assay.monitor_deferred_session`.execute(db);
}
