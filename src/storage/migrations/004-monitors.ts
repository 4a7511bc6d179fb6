import { sql, type Kysely } from 'kysely';

/** Monitors, their runs, the traces of each run's window and the run's chunks. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor (
      experiment_id bigint primary key references assay.experiment on delete cascade,
      config jsonb not null,
      version integer not null default 1,
      etag text not null,
      results_schema text not null,
      -- Every trace changed by a transaction below this xid was seen by a finished run.
      cursor_xid xid8 not null default pg_snapshot_xmin(pg_current_snapshot()),
      next_due_at timestamptz not null default now(),
      created_by text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index monitor_due on assay.monitor (next_due_at);

    create table assay.monitor_run (
      run_id text primary key,
      experiment_id bigint not null references assay.experiment on delete cascade,
      -- Business identity (scheduled:<experiment>:<due time>, manual:<uuid>, backfill:<uuid>).
      run_key text not null unique,
      kind text not null check (kind in ('scheduled', 'manual', 'backfill')),
      status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
      config jsonb not null,
      window_from xid8,
      window_to xid8,
      backfill_from bigint,
      backfill_to bigint,
      chunks integer,
      traces_seen integer not null default 0,
      counts jsonb not null default '{}',
      error text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    -- At most one active run per monitor, whatever the number of schedulers.
    create unique index monitor_run_one_active on assay.monitor_run (experiment_id)
      where status in ('queued', 'running');
    create index monitor_run_history on assay.monitor_run (experiment_id, created_at desc);

    create table assay.monitor_run_trace (
      run_id text not null references assay.monitor_run on delete cascade,
      chunk integer not null,
      trace_id text not null,
      primary key (run_id, chunk, trace_id)
    );

    create table assay.monitor_run_chunk (
      run_id text not null references assay.monitor_run on delete cascade,
      chunk integer not null,
      done boolean not null default false,
      counts jsonb not null default '{}',
      finished_at timestamptz,
      primary key (run_id, chunk)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table assay.monitor_run_chunk, assay.monitor_run_trace, assay.monitor_run, assay.monitor`.execute(db);
}
