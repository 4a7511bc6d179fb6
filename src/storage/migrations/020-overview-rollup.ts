import { sql, type Kysely } from 'kysely';

/**
 * The overview's hourly rollup (DESIGN §14, the web console) and the dataset search's trigram index.
 *
 * Rollup: per experiment and UTC hour, the number of traces, errors, tokens, cost and the traces
 * per latency bin (the overview's percentile histogram).
 * Statement triggers on assay.trace append signed deltas (+ for new rows, − for old ones, so a
 * re-ingested trace moves from its old hour and bin to its new one) to trace_hour_delta, in the
 * ingesting transaction: no row is shared between two ingests, so concurrent ingest never waits or
 * deadlocks here. The scheduler folds the deltas into trace_hour_rollup (a delete and an upsert in
 * one statement), and a read sums rollup, pending deltas and the raw traces of the partial hours at
 * the range's ends in one snapshot: always the raw computation's numbers. Cost is summed as numeric
 * on both sides, so its sum does not depend on the order of the additions.
 *
 * Also an index on the judges' assessments by time, for the judge calls and spend per day.
 *
 * Trigram index: `inputs::text ilike '%word%'` on dataset records, where the pg_trgm extension is
 * available (Postgres with contrib); elsewhere (PGlite) the same query scans without it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- latency[i] is the number of traces in latency bin i - 2 (bin -1: no duration): one row an hour.
    create table assay.trace_hour_rollup (
      experiment_id bigint not null,
      hour bigint not null,
      traces bigint not null,
      errors bigint not null,
      total_tokens bigint not null,
      cost numeric not null,
      latency bigint[] not null,
      primary key (experiment_id, hour)
    );

    create table assay.trace_hour_delta (
      delta_id bigint generated always as identity primary key,
      experiment_id bigint not null,
      hour bigint not null,
      bin int not null,
      traces bigint not null,
      errors bigint not null,
      total_tokens bigint not null,
      cost numeric not null
    );
    create index trace_hour_delta_experiment on assay.trace_hour_delta (experiment_id, hour);

    -- One row per (experiment, hour, bin) of the given traces, each counted with its sign.
    create function assay.trace_hour_rows(s int, t assay.trace)
      returns table (experiment_id bigint, hour bigint, bin int, traces bigint, errors bigint, total_tokens bigint, cost numeric)
      language sql immutable as $$
        select t.experiment_id, (t.request_time / 3600000)::bigint * 3600000,
               coalesce(floor(ln(greatest(t.execution_duration_ms, 0) + 1) * 40)::int, -1),
               s::bigint, case when t.state = 'ERROR' then s else 0 end::bigint,
               coalesce(t.total_tokens, 0) * s, coalesce(t.cost::numeric, 0) * s
      $$;

    -- The dense latency array of (bin, count) pairs, and the element-wise sum of two of them.
    create function assay.latency_hist(bins int[], counts bigint[]) returns bigint[] language sql immutable as $$
      select array_agg(coalesce(c.n, 0) order by i)
      from generate_series(1, (select max(b) + 2 from unnest(bins) b)) i
      left join (select b, sum(n)::bigint as n from unnest(bins, counts) u(b, n) group by b) c on c.b + 2 = i
    $$;
    create function assay.latency_hist_add(a bigint[], b bigint[]) returns bigint[] language sql immutable as $$
      select array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i)
      from generate_series(1, greatest(cardinality(a), cardinality(b))) i
    $$;

    create function assay.trace_rollup_insert() returns trigger language plpgsql as $$
      begin
        insert into assay.trace_hour_delta (experiment_id, hour, bin, traces, errors, total_tokens, cost)
        select r.experiment_id, r.hour, r.bin, sum(r.traces), sum(r.errors), sum(r.total_tokens), sum(r.cost)
        from new_rows n, assay.trace_hour_rows(1, n) r
        group by 1, 2, 3;
        return null;
      end $$;

    create function assay.trace_rollup_delete() returns trigger language plpgsql as $$
      begin
        insert into assay.trace_hour_delta (experiment_id, hour, bin, traces, errors, total_tokens, cost)
        select r.experiment_id, r.hour, r.bin, sum(r.traces), sum(r.errors), sum(r.total_tokens), sum(r.cost)
        from old_rows o, assay.trace_hour_rows(-1, o) r
        group by 1, 2, 3;
        return null;
      end $$;

    create function assay.trace_rollup_update() returns trigger language plpgsql as $$
      begin
        insert into assay.trace_hour_delta (experiment_id, hour, bin, traces, errors, total_tokens, cost)
        select r.experiment_id, r.hour, r.bin, sum(r.traces), sum(r.errors), sum(r.total_tokens), sum(r.cost)
        from (select r.* from old_rows o, assay.trace_hour_rows(-1, o) r
              union all
              select r.* from new_rows n, assay.trace_hour_rows(1, n) r) r
        group by 1, 2, 3
        -- An update that changes none of the counted columns leaves no delta.
        having sum(r.traces) <> 0 or sum(r.errors) <> 0 or sum(r.total_tokens) <> 0 or sum(r.cost) <> 0;
        return null;
      end $$;

    create function assay.trace_rollup_truncate() returns trigger language plpgsql as $$
      begin
        delete from assay.trace_hour_delta;
        delete from assay.trace_hour_rollup;
        return null;
      end $$;

    -- The overview's judge calls and spend per day: the judges' assessments in a time range.
    create index assessment_judge_time on assay.assessment (create_time) include (trace_id) where source_type = 'LLM_JUDGE';

    create trigger trace_rollup_insert after insert on assay.trace
      referencing new table as new_rows for each statement execute function assay.trace_rollup_insert();
    create trigger trace_rollup_delete after delete on assay.trace
      referencing old table as old_rows for each statement execute function assay.trace_rollup_delete();
    create trigger trace_rollup_update after update on assay.trace
      referencing old table as old_rows new table as new_rows for each statement execute function assay.trace_rollup_update();
    create trigger trace_rollup_truncate after truncate on assay.trace
      for each statement execute function assay.trace_rollup_truncate();

    insert into assay.trace_hour_rollup (experiment_id, hour, traces, errors, total_tokens, cost, latency)
    select experiment_id, hour, sum(traces), sum(errors), sum(total_tokens), sum(cost), assay.latency_hist(array_agg(bin), array_agg(traces::bigint))
    from (select r.experiment_id, r.hour, r.bin, sum(r.traces) as traces, sum(r.errors) as errors, sum(r.total_tokens) as total_tokens, sum(r.cost) as cost
          from assay.trace t, assay.trace_hour_rows(1, t) r group by 1, 2, 3) b
    group by 1, 2;
  `.execute(db);

  const { rows } = await sql<{ name: string }>`select name from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (rows.length === 0) return;
  // The migration runs in a transaction: a refused extension must not abort the rest of it.
  await sql`savepoint trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
  } catch {
    // Available but not ours to create (no privilege): searches scan, as on PGlite.
    await sql`rollback to savepoint trgm`.execute(db);
    return;
  }
  await sql`create index dataset_record_inputs_trgm on assay.dataset_record_version using gin ((inputs::text) gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists assay.dataset_record_inputs_trgm;
    drop index assay.assessment_judge_time;
    drop trigger trace_rollup_insert on assay.trace;
    drop trigger trace_rollup_delete on assay.trace;
    drop trigger trace_rollup_update on assay.trace;
    drop trigger trace_rollup_truncate on assay.trace;
    drop function assay.trace_rollup_insert(), assay.trace_rollup_delete(), assay.trace_rollup_update(),
      assay.trace_rollup_truncate(), assay.trace_hour_rows(int, assay.trace),
      assay.latency_hist(int[], bigint[]), assay.latency_hist_add(bigint[], bigint[]);
    drop table assay.trace_hour_delta, assay.trace_hour_rollup;
  `.execute(db);
}
