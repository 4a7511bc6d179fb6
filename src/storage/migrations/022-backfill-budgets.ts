import { sql, type Kysely } from 'kysely';

/**
 * A backfill's own judge budget, recorded with the backfill (its limits and what it used), and why
 * a pair was deferred: the monitor's daily budget (the first run after it renews takes the pair up)
 * or a backfill with a budget of its own, whichever limit stopped it (only another backfill covering
 * the trace judges it, so nothing is spent past that budget on the backfill's behalf).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor_backfill_budget (
      run_id text primary key references assay.monitor_run on delete cascade,
      max_judge_calls bigint,
      max_tokens bigint,
      max_cost_usd double precision,
      judge_calls bigint not null default 0,
      tokens bigint not null default 0,
      cost double precision not null default 0
    );

    alter table assay.monitor_deferred
      add column cause text not null default 'day' check (cause in ('day', 'backfill'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table assay.monitor_deferred drop column cause;
    drop table assay.monitor_backfill_budget`.execute(db);
}
