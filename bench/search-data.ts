/**
 * Data for bench/search: one experiment of `count` traces, one a second from T0, loaded with
 * set-based SQL (`insert … select generate_series`) so a million traces take seconds, not hours.
 *
 * Shape: env cycles prod/dev/staging; every 20th trace is an ERROR; each trace has a CHAIN root and
 * an LLM child whose prompt mentions a refund on every 50th trace, and every 10th trace a RETRIEVER
 * span `search_docs`; every third trace has a valid `correctness` feedback, 'no' on every 7th of
 * those; every fourth trace has a `category` expectation, 'billing' on every 10th of those.
 */
import { sql, type Transaction } from 'kysely';
import { rebuildTraceRollup } from '../src/storage/trace-rollup.ts';
import type { Db } from '../src/storage/connect.ts';
import type { Database } from '../src/storage/schema.ts';

/** Request time of trace 0, epoch ms. */
export const T0 = 1_700_000_000_000;

/**
 * Loads the traces, spans and feedback, analyzes the tables and returns the experiment id.
 * Secondary indexes are dropped for the load and rebuilt after it (a sorted build beats a million
 * single inserts), and foreign-key triggers are skipped: the rows are consistent by construction.
 */
export async function loadSearchBenchData(db: Db, count: number, experimentName = 'bench-search'): Promise<number> {
  const started = performance.now();
  // Ten million traces take most of an hour: say where the load is.
  const done = (what: string) => console.error(`bench/search: ${what} at ${Math.round((performance.now() - started) / 1000)} s`);
  const experimentId = await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql`set local synchronous_commit = off`.execute(trx);
    // Index builds sort (and the trigram GIN indexes accumulate) in this memory: at 10,000,000
    // traces 256 MB spills every build to disk many times over.
    await sql`set local maintenance_work_mem = ${sql.lit(count > 2_000_000 ? '1GB' : '256MB')}`.execute(trx);
    const { rows: indexes } = await sql<{ name: string; definition: string }>`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'assay' and c.relname in ('trace', 'span', 'assessment')
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`.execute(trx);
    // Statistics targets of index columns (017's trigram indexes) go with the index: kept to set again.
    const { rows: targets } = await sql<{ name: string; attnum: number; target: number }>`
      select i.indexrelid::regclass::text as name, a.attnum::int as attnum, a.attstattarget::int as target
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = i.indexrelid and a.attnum > 0 and a.attstattarget > 0
      where n.nspname = 'assay' and c.relname in ('trace', 'span', 'assessment')`.execute(trx);
    // Names and definitions come from the catalog, not from input.
    for (const index of indexes) await sql.raw(`drop index ${index.name}`).execute(trx);
    const id = await insertRows(trx, count, experimentName);
    done(`inserted ${count} traces with their spans and assessments`);
    // The catalog writes a partitioned table's index as `ON ONLY` (the parent alone); without ONLY it
    // is built on every partition too, as the migrations built it.
    for (const index of indexes) {
      await sql.raw(index.definition.replace(' ON ONLY ', ' ON ')).execute(trx);
      done(`built ${index.name}`);
    }
    // On the parent index and every partition's (as partitions.ts copies them to a new partition);
    // without them a 2 % span.content pattern is estimated as rare and gathered instead of walked.
    for (const t of targets) {
      const { rows: tree } = await sql<{ name: string }>`select relid::regclass::text as name from pg_partition_tree(${t.name}::regclass)`.execute(trx);
      for (const { name } of tree) {
        await sql.raw(`alter index ${name} alter column ${t.attnum} set statistics ${t.target}`).execute(trx);
      }
    }
    return id;
  });
  // The load skipped the triggers that keep the overview's rollup: built once from the traces.
  await rebuildTraceRollup(db, experimentId);
  done('rebuilt the rollup');
  // Vacuum too: the visibility map lets index-only scans skip the heap, as autovacuum would in service.
  await sql`vacuum analyze assay.trace, assay.span, assay.assessment, assay.trace_hour_rollup`.execute(db);
  done('vacuumed and analyzed');
  return experimentId;
}

async function insertRows(db: Transaction<Database>, count: number, experimentName: string): Promise<number> {
  const experiment = await db
    .insertInto('assay.experiment')
    .values({ name: experimentName })
    .returning('experiment_id')
    .executeTakeFirstOrThrow();
  const e = experiment.experiment_id;
  const traceId = sql.raw(`'tr-' || lpad(to_hex(g), 32, '0')`);
  await sql`insert into assay.trace (trace_id, experiment_id, client_request_id, request_time, execution_duration_ms,
      state, request_preview, response_preview, request, response, trace_metadata, tags)
    select ${traceId}, ${e}, 'req-' || g, ${T0}::bigint + g * 1000, (g * 7919) % 5000,
      case when g % 20 = 0 then 'ERROR' else 'OK' end, 'question ' || g, 'answer ' || g,
      jsonb_build_object('question', 'question ' || g), jsonb_build_object('answer', 'answer ' || g),
      jsonb_build_object('user', 'user-' || (g % 1000), 'mlflow.sourceRun', 'run-' || (g % 50)),
      jsonb_build_object('env', (array['prod', 'dev', 'staging'])[1 + g % 3], 'mlflow.traceName', 'chat',
        'customer', 'c-' || (g % 100))
    from generate_series(0::bigint, ${count - 1}) g`.execute(db);
  // Partition keys: every row here first arrived now() (one transaction), in retention class 0.
  await sql`insert into assay.trace_key (trace_id, retention_class, created_at) select trace_id, 0, created_at from assay.trace where experiment_id = ${e}`.execute(db);
  await sql`insert into assay.span (trace_id, span_id, parent_span_id, name, span_type, status_code, start_time_ns,
      end_time_ns, inputs, outputs, attributes, trace_created_at)
    select ${traceId}, '0000000000000001', null, 'chat', 'CHAIN', case when g % 20 = 0 then 'ERROR' else 'OK' end,
      (${T0}::bigint + g * 1000) * 1000000, (${T0}::bigint + g * 1000 + (g * 7919) % 5000) * 1000000,
      jsonb_build_object('question', 'question ' || g), jsonb_build_object('answer', 'answer ' || g),
      '{"mlflow.spanType": "CHAIN"}'::jsonb, now()
    from generate_series(0::bigint, ${count - 1}) g`.execute(db);
  await sql`insert into assay.span (trace_id, span_id, parent_span_id, name, span_type, status_code, start_time_ns,
      end_time_ns, inputs, outputs, attributes, trace_created_at)
    select ${traceId}, '0000000000000002', '0000000000000001', 'openai.chat', 'LLM', 'OK',
      (${T0}::bigint + g * 1000 + 1) * 1000000, (${T0}::bigint + g * 1000 + 2) * 1000000,
      jsonb_build_object('messages', jsonb_build_array(jsonb_build_object('role', 'user', 'content',
        case when g % 50 = 0 then 'I want a refund for order ' || g else 'Tell me about product ' || g end))),
      jsonb_build_object('content', 'Sure, here is what I know.'),
      jsonb_build_object('mlflow.spanType', 'LLM', 'model', 'gpt-4o-mini'), now()
    from generate_series(0::bigint, ${count - 1}) g`.execute(db);
  await sql`insert into assay.span (trace_id, span_id, parent_span_id, name, span_type, status_code, start_time_ns,
      end_time_ns, inputs, outputs, attributes, trace_created_at)
    select ${traceId}, '0000000000000003', '0000000000000001', 'search_docs', 'RETRIEVER', 'OK',
      (${T0}::bigint + g * 1000 + 1) * 1000000, (${T0}::bigint + g * 1000 + 3) * 1000000,
      jsonb_build_object('query', 'product ' || g), jsonb_build_object('documents', jsonb_build_array('doc-' || (g % 500))),
      '{"mlflow.spanType": "RETRIEVER"}'::jsonb, now()
    from generate_series(0::bigint, ${count - 1}, 10) g`.execute(db);
  await sql`insert into assay.assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, valid, trace_created_at)
    select 'x-' || g, ${traceId}, 'category', 'expectation',
      to_jsonb(case when (g / 4) % 10 = 0 then 'billing' else (array['shipping', 'returns', 'product', 'account'])[1 + (g / 4) % 4] end),
      'HUMAN', 'labeler', true, now()
    from generate_series(0::bigint, ${count - 1}, 4) g`.execute(db);
  await sql`insert into assay.assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, valid, trace_created_at)
    select 'a-' || g, ${traceId}, 'correctness', 'feedback',
      to_jsonb(case when g % 7 = 0 then 'no' else 'yes' end), 'LLM_JUDGE', 'correctness', true, now()
    from generate_series(0::bigint, ${count - 1}, 3) g`.execute(db);
  return e;
}
