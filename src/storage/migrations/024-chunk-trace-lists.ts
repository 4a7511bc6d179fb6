import { sql, type Kysely } from 'kysely';

/**
 * A monitoring run's chunk holds its trace ids as one array (`monitor_run_chunk.trace_ids`, in the
 * order they were dealt) instead of one `monitor_run_trace` row per trace. Planning a 20,000-trace
 * run wrote 20,000 index entries and finishing it deleted them again (dead rows that pile up where
 * autovacuum is off or behind); as arrays it writes 40 rows, and the finish empties them. A run in
 * progress while this migration runs keeps its lists.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table assay.monitor_run_chunk add column trace_ids text[] not null default '{}';

    update assay.monitor_run_chunk c
       set trace_ids = l.ids
      from (select run_id, chunk, array_agg(trace_id order by trace_id) as ids
              from assay.monitor_run_trace group by run_id, chunk) l
     where l.run_id = c.run_id and l.chunk = c.chunk;

    drop table assay.monitor_run_trace;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assay.monitor_run_trace (
      run_id text not null references assay.monitor_run on delete cascade,
      chunk integer not null,
      trace_id text not null,
      primary key (run_id, chunk, trace_id)
    );

    insert into assay.monitor_run_trace (run_id, chunk, trace_id)
    select run_id, chunk, unnest(trace_ids) from assay.monitor_run_chunk;

    alter table assay.monitor_run_chunk drop column trace_ids;
  `.execute(db);
}
