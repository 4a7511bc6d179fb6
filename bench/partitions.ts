/**
 * Time partitions on Postgres: how fast migration 018 moves an installation onto partitions, and
 * what retention costs by dropping whole partitions against the baseline of deleting the same
 * rows (what a row-by-row retention would do: DELETE with its cascade to spans and assessments).
 *
 * Both run on two identical databases of BENCH_PARTITION_TRACES traces (default 100,000) that
 * arrived over 60 days, three spans and one assessment each; retention keeps 30 days.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { connectDatabase, type DatabaseHandle } from '../src/storage/connect.ts';
import { migrateToLatest, migrateUpTo } from '../src/storage/migrate.ts';
import { dropExpiredPartitions } from '../src/storage/partitions.ts';
import { ADMIN_URL } from '../test/support/database.ts';
import { round, type BenchResult } from './result.ts';

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A database as release 016 left it, filled with `count` traces over the last 60 days. */
async function oldDatabase(count: number): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const name = `assay_bench_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 2 });
  await migrateUpTo(handle.db as never, '016-monitor-run-calls');
  await sql`insert into assay.experiment (name) values ('bench-partitions')`.execute(handle.db);
  await sql`
    insert into assay.trace (trace_id, experiment_id, request_time, state, request_preview, response_preview, trace_metadata, tags, created_at)
      select 'tr-' || lpad(to_hex(g), 32, '0'), 1, 1700000000000 + g, 'OK', 'question ' || g, 'answer ' || g,
             '{"user": "u"}', '{"env": "prod"}', now() - (g::double precision / ${count} * interval '60 days')
      from generate_series(1, ${count}) g`.execute(handle.db);
  await sql`
    insert into assay.span (trace_id, span_id, name, span_type, status_code, start_time_ns, inputs, outputs)
      select t.trace_id, s::text, 'span', 'LLM', 'OK', s, '{"messages": [{"role": "user", "content": "hello there"}]}', '{"content": "hi"}'
      from assay.trace t, generate_series(1, 3) s;
    insert into assay.assessment (assessment_id, trace_id, name, kind, value, source_type, idempotency_key)
      select 'a-' || trace_id, trace_id, 'safety', 'feedback', '"yes"', 'LLM_JUDGE', 'k:' || trace_id from assay.trace;
    analyze;
  `.execute(handle.db);
  return { handle, drop: async () => { await handle.close(); await admin(`drop database if exists ${name} with (force)`); } };
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_PARTITION_TRACES ?? 100_000);
  const partitioned = await oldDatabase(count);
  const plain = await oldDatabase(count);
  try {
    const rows = count * 5;
    const migrate = await seconds(() => migrateToLatest(partitioned.handle.db as never));
    // The baseline for the migration: a plain copy of the same rows into tables with the same
    // indexes (what any move must at least do), without partitions.
    const copy = await seconds(async () => {
      for (const table of ['trace', 'span', 'assessment']) {
        await sql.raw(`create table assay.${table}_copy (like assay.${table} including all excluding generated); insert into assay.${table}_copy select * from assay.${table}`).execute(plain.handle.db);
      }
    });
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    const drop = await seconds(() => dropExpiredPartitions(partitioned.handle.db, { globalDays: 30 }));
    const del = await seconds(() => sql.raw(`delete from assay.trace where created_at < '${cutoff.toISOString()}'::timestamptz`).execute(plain.handle.db));
    const params = { traces: count, spans: count * 3, assessments: count, days: 60, retention_days: 30 };
    return [
      { name: 'partitions.migrate', value: round(rows / migrate, 0), unit: 'rows/s', baseline: round(rows / copy, 0), ratio: round(copy / migrate), aim: '>= 0.5', params },
      { name: 'partitions.retention', value: round(drop, 3), unit: 's', baseline: round(del, 3), ratio: round(drop / del, 3), aim: '<= 0.25', params },
    ];
  } finally {
    await partitioned.drop();
    await plain.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.table(results.map(({ params: _params, ...r }) => r));
  process.exit(0);
}
