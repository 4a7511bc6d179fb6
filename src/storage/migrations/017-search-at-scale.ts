import { sql, type Kysely } from 'kysely';

/**
 * Indexes and statistics for search at scale: the first page of every filter shape in bench/search
 * under 100 ms at 1,000,000 traces (figures and plans in README, "Production"). Plain CREATE INDEX,
 * one statement per index, so a later migration can recreate them on other tables as they are.
 *
 * pg_trgm is optional: where the extension cannot be created (not installed, no privilege, an
 * embedded build without it) the trigram indexes are skipped and span content LIKE stays correct,
 * only slower (bounded by the search timeout).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // feedback.<name> / expectation.<name> = value, IS NULL, IS NOT NULL, per trace: the probe a page
  // makes for each trace it walks in time order finds the one matching entry with every condition in
  // the key, instead of visiting each assessment of the trace. It replaces 001's (trace_id) index,
  // whose leading column it shares (foreign-key cascades, a page's assessments); the planner took
  // that narrower one for the probe and then read every assessment row of every walked trace.
  await sql`create index assessment_trace_value on assay.assessment (trace_id, kind, name, (value #>> '{}'))`.execute(db);
  await sql`drop index assay.assessment_trace`.execute(db);
  // order_by execution_time_ms DESC (slowest first): the page walks this index in order and stops;
  // ASC is served by trace_experiment_duration (002) plus an incremental sort on the tie-breakers.
  await sql`create index trace_experiment_duration_desc on assay.trace
    (experiment_id, execution_duration_ms desc nulls last, request_time desc, trace_id)`.execute(db);
  // tags.<key> = value and metadata.<key> = value compile to jsonb containment (GIN in 001), which
  // Postgres estimates from the column's most common values and histogram: with the default 100 a
  // 1 % value is guessed at 0.01 %, and the page collects and sorts every match instead of walking
  // the time index. 1000 captures ~1000 distinct tag sets exactly and the rest to 0.1 %.
  await sql`alter table assay.trace alter column tags set statistics 1000`.execute(db);
  await sql`alter table assay.trace alter column trace_metadata set statistics 1000`.execute(db);

  const trigram = await trigramOperatorClass(db);
  if (trigram) {
    // span.content LIKE / ILIKE '%text%': one index per field the filter tries (inputs, outputs,
    // attributes as JSON text, the exact expressions of trace-filter-sql.ts), combined by a BitmapOr.
    await sql`create index span_inputs_trigram on assay.span using gin ((inputs::text) ${trigram})`.execute(db);
    await sql`create index span_outputs_trigram on assay.span using gin ((outputs::text) ${trigram})`.execute(db);
    await sql`create index span_attributes_trigram on assay.span using gin ((attributes::text) ${trigram})`.execute(db);
    // The planner estimates LIKE on these expressions from the indexes' histograms; with 100 bounds a
    // pattern in 2 % of spans is often seen in none and guessed at 0.01 %, and the page then fetches
    // every matching span and its trace before sorting (seconds) instead of walking newest traces.
    for (const index of ['span_inputs_trigram', 'span_outputs_trigram', 'span_attributes_trigram']) {
      await sql`alter index ${sql.table(`assay.${index}`)} alter column 1 set statistics 1000`.execute(db);
    }
  }
}

/**
 * Creates pg_trgm when it is missing and returns its GIN operator class, schema-qualified (the
 * extension may already live in any schema); undefined when it cannot be had. The attempt runs in
 * a PL/pgSQL block, whose exception handler rolls back to a savepoint, so a failure leaves the
 * migration's transaction usable.
 */
async function trigramOperatorClass(db: Kysely<unknown>): Promise<ReturnType<typeof sql.raw> | undefined> {
  await sql`do $$ begin create extension if not exists pg_trgm; exception when others then null; end $$`.execute(db);
  const { rows } = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
    join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
  const schema = rows[0]?.schema;
  return schema === undefined ? undefined : sql`${sql.id(schema)}.gin_trgm_ops`;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists assay.span_inputs_trigram, assay.span_outputs_trigram, assay.span_attributes_trigram`.execute(db);
  await sql`alter table assay.trace alter column tags set statistics -1`.execute(db);
  await sql`alter table assay.trace alter column trace_metadata set statistics -1`.execute(db);
  await sql`drop index assay.trace_experiment_duration_desc`.execute(db);
  await sql`create index assessment_trace on assay.assessment (trace_id)`.execute(db);
  await sql`drop index assay.assessment_trace_value`.execute(db);
}
