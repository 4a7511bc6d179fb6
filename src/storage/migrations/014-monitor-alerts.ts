import { sql, type Kysely } from 'kysely';

/**
 * Alert rule states and their history, webhook deliveries, judge budget use per monitor and day,
 * and the (trace, scorer) pairs a budget deferred.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor_alert (
      experiment_id bigint not null references assay.experiment on delete cascade,
      name text not null,
      state text not null default 'ok' check (state in ('ok', 'firing')),
      -- Consecutive evaluations in which the rule's condition held.
      streak integer not null default 0,
      last_run_id text,
      last_value double precision,
      last_low double precision,
      last_high double precision,
      last_sample_size bigint,
      last_evaluated_at timestamptz,
      since timestamptz not null default now(),
      primary key (experiment_id, name)
    );

    create table assay.monitor_alert_event (
      event_id text primary key,
      experiment_id bigint not null references assay.experiment on delete cascade,
      alert text not null,
      state text not null check (state in ('firing', 'resolved')),
      run_id text,
      value double precision,
      low double precision,
      high double precision,
      sample_size bigint,
      threshold double precision not null,
      rule jsonb not null,
      created_at timestamptz not null default now()
    );
    create index monitor_alert_event_history on assay.monitor_alert_event (experiment_id, created_at desc);

    create table assay.alert_delivery (
      delivery_id text primary key,
      event_id text not null references assay.monitor_alert_event on delete cascade,
      webhook text not null,
      url text not null,
      secret_env text,
      -- The exact bytes signed and sent, the same on every try.
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      last_status integer,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz
    );
    create index alert_delivery_pending on assay.alert_delivery (created_at) where status = 'pending';

    create table assay.monitor_budget_usage (
      experiment_id bigint not null references assay.experiment on delete cascade,
      -- Start of the UTC day the use counts against.
      period_start timestamptz not null,
      judge_calls bigint not null default 0,
      tokens bigint not null default 0,
      cost double precision not null default 0,
      primary key (experiment_id, period_start)
    );

    create table assay.monitor_deferred (
      experiment_id bigint not null references assay.experiment on delete cascade,
      trace_id text not null,
      scorer text not null,
      run_id text,
      deferred_at timestamptz not null default now(),
      primary key (experiment_id, trace_id, scorer)
    );

    -- Alert windows of "the last N runs" read a monitor's feedback by run.
    create index assessment_monitor_run on assay.assessment ((metadata->>'assay.monitor.run_id'))
      where metadata ? 'assay.monitor.run_id';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index assay.assessment_monitor_run;
    drop table assay.monitor_deferred, assay.monitor_budget_usage, assay.alert_delivery,
      assay.monitor_alert_event, assay.monitor_alert`.execute(db);
}
