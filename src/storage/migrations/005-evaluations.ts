import { sql, type Kysely } from 'kysely';

/** Evaluation runs, their rows, and the metrics table dashboards read. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.evaluation_run (
      run_id text primary key,
      name text not null,
      experiment_id bigint not null references assay.experiment on delete cascade,
      -- Lineage: the dataset and the version read; null for inline records.
      dataset_name text,
      dataset_version integer,
      -- Never holds a secret: an API key is named by its environment variable (api_key_env).
      target jsonb,
      scorers jsonb,
      aggregations jsonb not null default '[]',
      concurrency integer not null,
      status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
      rows_total integer not null,
      counts jsonb not null default '{}',
      metrics jsonb not null default '{}',
      error text,
      created_by text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    create index evaluation_run_experiment on assay.evaluation_run (experiment_id, created_at desc);
    create index evaluation_run_dataset on assay.evaluation_run (dataset_name, dataset_version);

    create table assay.evaluation_row (
      run_id text not null references assay.evaluation_run on delete cascade,
      row_index integer not null,
      inputs jsonb not null,
      outputs jsonb,
      expectations jsonb not null default '{}',
      retrieved_context jsonb,
      -- A trace the caller recorded for this row (client-side evaluate); ingested as the row's trace.
      given_trace jsonb,
      request_id text,
      trace_id text,
      -- Set once the target answered (or the record brought its output): never called again after.
      output_recorded boolean not null default false,
      target_latency_ms double precision,
      input_tokens integer,
      output_tokens integer,
      total_tokens integer,
      cost double precision,
      error text,
      status text not null default 'pending' check (status in ('pending', 'done', 'errored')),
      passed boolean,
      failing_judges jsonb not null default '[]',
      verdicts jsonb not null default '[]',
      finished_at timestamptz,
      primary key (run_id, row_index)
    );
    create index evaluation_row_pending on assay.evaluation_row (run_id) where status = 'pending';

    create table assay.evaluation_metrics (
      run_id text not null references assay.evaluation_run on delete cascade,
      run_name text not null,
      metric text not null,
      value double precision not null,
      time timestamptz not null default now(),
      primary key (run_id, metric)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table assay.evaluation_metrics, assay.evaluation_row, assay.evaluation_run`.execute(db);
}
