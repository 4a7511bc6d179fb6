/**
 * Time partitions and retention (migration 018), on Postgres and on PGlite: an installation with
 * traces, spans, assessments, a dataset and a results table is migrated without losing or
 * duplicating a row, upserts still merge afterwards, retention drops exactly the partitions past
 * its limit (global and per experiment) and nothing else, and the scheduler creates days ahead.
 *
 * One test file per database (time-partitions.test.ts on Postgres with the scheduler and index
 * tests, time-partitions-pglite.test.ts on PGlite), so the two migrations run side by side.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAssessments } from '../../src/storage/assessment-repository.ts';
import { connectDatabase, type Db } from '../../src/storage/connect.ts';
import { setExperimentRetention } from '../../src/storage/experiment-repository.ts';
import { migrateToLatest, migrateUpTo } from '../../src/storage/migrate.ts';
import { parseFilter } from '../../src/domain/filter/parse-filter.ts';
import { traceFilterCondition } from '../../src/storage/trace-filter-sql.ts';
import { traceVolume, traceVolumeFromTraces } from '../../src/storage/experiment-overview.ts';
import { foldTraceRollup } from '../../src/storage/trace-rollup.ts';
import { createRange, dayStart, DAYS_AHEAD, dropExpiredPartitions, listPartitions, partitionName } from '../../src/storage/partitions.ts';
import { PGliteDialect } from '../../src/storage/pglite-dialect.ts';
import { ensureResultsTable, traceLogsTable } from '../../src/storage/results-table.ts';
import { upsertSpans, upsertTraces, type TraceWrite } from '../../src/storage/trace-repository.ts';
import { ADMIN_URL } from '../support/database.ts';

const DAY = 86_400_000;

/** A database migrated up to 016 (before partitions), and how to close it. */
async function oldDatabase(kind: 'postgres' | 'pglite'): Promise<{ db: Db; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const pglite = await PGlite.create('memory://');
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    await migrateUpTo(db, '017-search-at-scale');
    return { db: db as unknown as Db, close: async () => { await db.destroy(); await pglite.close(); } };
  }
  const name = `assay_test_${randomBytes(6).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try { await client.query(text); } finally { await client.end(); }
  };
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  await migrateUpTo(handle.db as never, '017-search-at-scale');
  return { db: handle.db, close: async () => { await handle.close(); await admin(`drop database if exists ${name} with (force)`); } };
}

/** 300 traces that first arrived over the last 120 days, two spans and one judge feedback each. */
async function populate(db: Db): Promise<void> {
  await sql`
    insert into assay.experiment (name) values ('old');
    insert into assay.trace (trace_id, experiment_id, request_time, state, trace_metadata, tags, created_at)
      select 'tr-' || g, 1, 1700000000000 + g * 1000, case when g % 7 = 0 then 'ERROR' else 'OK' end,
             jsonb_build_object('mlflow.trace.session', 's' || (g % 10)), jsonb_build_object('n', g::text),
             now() - make_interval(days => g % 120, secs => g)
      from generate_series(1, 300) g;
    insert into assay.span (trace_id, span_id, name, span_type, status_code, start_time_ns, inputs)
      select t.trace_id, s::text, 'span' || s, 'LLM', 'OK', s, jsonb_build_object('q', t.trace_id)
      from assay.trace t, generate_series(1, 2) s;
    insert into assay.assessment (assessment_id, trace_id, name, kind, value, source_type, idempotency_key)
      select 'a-' || trace_id, trace_id, 'correctness', 'feedback', '"yes"', 'LLM_JUDGE', 'k:' || trace_id from assay.trace;
  `.execute(db);
}

/** Count and checksum of each table over the columns it had before partitioning. */
async function snapshot(db: Db) {
  const { rows } = await sql<{ table: string; count: number; digest: string }>`
    select 'trace' as table, count(*)::int as count,
           md5(string_agg((to_jsonb(t) - 'retention_class')::text, '|' order by trace_id)) as digest from assay.trace t
    union all
    select 'span', count(*)::int, md5(string_agg((to_jsonb(s) - 'retention_class' - 'trace_created_at')::text, '|' order by trace_id, span_id)) from assay.span s
    union all
    select 'assessment', count(*)::int, md5(string_agg((to_jsonb(a) - 'retention_class' - 'trace_created_at')::text, '|' order by assessment_id)) from assay.assessment a
  `.execute(db);
  return rows;
}

async function indexNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select indexname as name from pg_indexes where schemaname = 'assay' and tablename in ('trace', 'span', 'assessment') order by 1`.execute(db);
  return rows.map((r) => r.name);
}

export function write(traceId: string, experimentId: number, tags: Record<string, string>): TraceWrite {
  return {
    trace_id: traceId,
    experiment_id: experimentId,
    client_request_id: null,
    trace_metadata: {},
    tags,
    summary: {
      request_time: Date.now(), execution_duration_ms: 5, state: 'OK', request: null, response: null,
      request_preview: null, response_preview: null, input_tokens: null, output_tokens: null, total_tokens: null, cost: null,
    },
  };
}

const count = async (db: Db, table: 'trace' | 'span' | 'assessment' | 'trace_key', where = sql`true`) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.id('assay', table)} where ${where}`.execute(db)).rows[0]!.n;

/** The migration and retention tests on one database. */
export function timePartitions(kind: 'postgres' | 'pglite'): void {
  describe(`time partitions on ${kind}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    let before: Awaited<ReturnType<typeof snapshot>>;
    let indexesBefore: string[];

    beforeAll(async () => {
      ({ db, close } = await oldDatabase(kind));
      await populate(db);
      // A results table holding copies of old traces, and a dataset record made from one.
      await ensureResultsTable(db, 'monitoring', 1);
      // Copied as a run before 018 did (copyTraces reads the partition keys 018 brings).
      await sql`
        insert into ${traceLogsTable('monitoring', 1)} (trace_id, experiment_id, request_time, state, trace_metadata, tags, assessments, copied_at)
        select trace_id, experiment_id::text, to_timestamp(request_time / 1000.0), state, trace_metadata, tags, '[]'::jsonb, now()
        from assay.trace where trace_id in ('tr-100', 'tr-101', 'tr-5')`.execute(db);
      await sql`
        insert into assay.dataset (name, schema_name, table_name, digest) values ('eval.cases', 'eval', 'cases', 'd');
        insert into assay.dataset_record_version (dataset_id, record_seq, valid_from, record_id, inputs_hash, content_hash, inputs, source, create_time, last_update_time)
          values (1, 1, 1, 'dr-1', 'h', 'c', '{"q": "from trace 100"}', '{"trace": {"trace_id": "tr-100"}}', now(), now());
      `.execute(db);
      before = await snapshot(db);
      indexesBefore = await indexNames(db);
      await migrateToLatest(db as never);
    }, 120_000);
    afterAll(async () => close?.());

    it('moves every row onto partitions without losing or duplicating one, and keeps every index', async () => {
      expect(before.map((r) => r.count)).toEqual([300, 600, 300]);
      expect(await snapshot(db)).toEqual(before);
      expect(await count(db, 'trace_key')).toBe(300);
      // Every index survives (migrations after 018 may add more).
      expect(await indexNames(db)).toEqual(expect.arrayContaining(indexesBefore));
      const { rows } = await sql<{ kind: string }>`select relkind::text as kind from pg_class where oid = 'assay.trace'::regclass`.execute(db);
      expect(rows[0]!.kind).toBe('p');
      // Older than a month: monthly partitions; recent days and the week ahead: daily ones.
      const parts = (await listPartitions(db)).filter((p) => p.table === 'trace');
      const today = dayStart(new Date());
      expect(parts.at(-1)!.from.getTime()).toBe(today.getTime() + DAYS_AHEAD * DAY);
      expect(parts.some((p) => p.to.getTime() - p.from.getTime() > 20 * DAY)).toBe(true);
      // Nothing references the partitioned tables: a dropped partition cascades nowhere and is blocked by nothing.
      const { rows: fks } = await sql<{ name: string }>`
        select conname as name from pg_constraint where contype = 'f'
        and confrelid in ('assay.trace'::regclass, 'assay.span'::regclass, 'assay.assessment'::regclass, 'assay.trace_key'::regclass)`.execute(db);
      expect(fks).toEqual([]);
    });

    it("keeps search's statistics targets on the tables, their indexes and partitions made later", async () => {
      const targets = async (relation: string) =>
        (await sql<{ column: string; target: number }>`
          select attname as column, attstattarget::int as target from pg_attribute
          where attrelid = to_regclass(${relation}) and attnum > 0 and attstattarget > 0 order by attname`.execute(db)).rows;
      expect(await targets('assay.trace')).toEqual([{ column: 'tags', target: 1000 }, { column: 'trace_metadata', target: 1000 }]);
      // A day far ahead: made now, after the migration, by the scheduler's code.
      const from = dayStart(Date.now() + 400 * 86_400_000);
      const to = new Date(from.getTime() + 86_400_000);
      await createRange(db, 0, from, to);
      expect(await targets(`assay.${partitionName('trace', 0, from, to)}`)).toEqual(await targets('assay.trace'));
      if (kind === 'postgres') {
        // The trigram indexes exist where pg_trgm does; each partition's copy keeps the target.
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_attribute a join pg_index x on x.indexrelid = a.attrelid
          where x.indrelid = to_regclass(${`assay.${partitionName('span', 0, from, to)}`}) and a.attstattarget = 1000`.execute(db);
        expect(rows[0]!.n).toBe(3);
      }
    });

    it('merges upserts of migrated traces, spans and judge feedback in place', async () => {
      const [old] = (await sql<{ created_at: Date; change_xid: string }>`select created_at, change_xid::text from assay.trace where trace_id = 'tr-5'`.execute(db)).rows;
      await db.transaction().execute(async (trx) => {
        await upsertTraces(trx, [write('tr-5', 1, { added: 'yes' })]);
        await upsertSpans(trx, [{
          trace_id: 'tr-5', span_id: '1', parent_span_id: null, name: 'renamed', span_type: 'LLM', status_code: 'OK', status_message: '',
          start_time_ns: 1n, end_time_ns: 2n, inputs: null, outputs: null, attributes: {}, events: [],
        }]);
      });
      const written = await insertAssessments(db, [{
        trace_id: 'tr-5', name: 'correctness', kind: 'feedback', span_id: null, value: 'no', rationale: null, error: null,
        source: { source_type: 'LLM_JUDGE', source_id: 'judge' }, metadata: {}, overrides: null, valid: true, idempotency_key: 'k:tr-5',
      }]);
      expect(written).toEqual([]);
      expect(await count(db, 'trace')).toBe(300);
      expect(await count(db, 'span')).toBe(600);
      expect(await count(db, 'assessment')).toBe(300);
      const row = await db.selectFrom('assay.trace').select(['tags', 'created_at', sql<string>`change_xid::text`.as('xid')]).where('trace_id', '=', 'tr-5').executeTakeFirstOrThrow();
      expect(row.tags).toEqual({ n: '5', added: 'yes' });
      expect(row.created_at).toEqual(old!.created_at);
      expect(BigInt(row.xid)).toBeGreaterThan(BigInt(old!.change_xid));
      expect(await db.selectFrom('assay.span').select('name').where('trace_id', '=', 'tr-5').where('span_id', '=', '1').executeTakeFirstOrThrow()).toEqual({ name: 'renamed' });
    });

    it('prunes partitions for a search with a lower time bound', async () => {
      const since = Date.now() - 5 * DAY;
      const query = db.selectFrom('assay.trace').select('trace_id')
        .where(traceFilterCondition(parseFilter(`attributes.timestamp_ms >= ${since} AND span.type = 'LLM' AND feedback.correctness = 'yes'`)))
        .compile();
      const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (costs off) ${query.sql}`, [...query.parameters]));
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      const scanned = new Set(text.match(/trace_r0_\d{8}_\d{8}/g) ?? []);
      const all = (await listPartitions(db)).filter((p) => p.table === 'trace');
      // Only the partitions from a day before the bound on: about a week of the ~40.
      expect(scanned.size).toBeGreaterThan(0);
      expect(scanned.size).toBeLessThanOrEqual(all.filter((p) => p.to.getTime() > since - DAY).length);
      expect(scanned.size).toBeLessThan(all.length / 2);
    });

    it('drops exactly the partitions past the global retention, and keeps datasets and results tables', async () => {
      const now = new Date();
      const keepFrom = dayStart(now.getTime() - 30 * DAY).toISOString();
      const kept = await count(db, 'trace', sql`created_at >= ${keepFrom}::timestamptz`);
      expect(kept).toBeGreaterThan(50);
      expect(kept).toBeLessThan(300);
      const { dropped } = await dropExpiredPartitions(db, { now, globalDays: 30 });
      expect(dropped.length).toBeGreaterThan(0);
      expect(await count(db, 'trace')).toBe(kept);
      expect(await count(db, 'trace', sql`created_at < ${keepFrom}::timestamptz`)).toBe(0);
      expect(await count(db, 'span')).toBe(2 * kept);
      expect(await count(db, 'assessment')).toBe(kept);
      expect(await count(db, 'trace_key')).toBe(kept);
      // No partition that ends after the cutoff went.
      for (const name of dropped) expect((await listPartitions(db)).map((p) => p.name)).not.toContain(name);
      expect((await listPartitions(db)).filter((p) => p.table === 'trace').every((p) => p.to.getTime() > now.getTime() - 30 * DAY)).toBe(true);
      // tr-100 arrived 100 days ago: gone from assay.trace, still in the results table and the dataset.
      expect(await count(db, 'trace', sql`trace_id = 'tr-100'`)).toBe(0);
      const { rows: copies } = await sql<{ trace_id: string }>`select trace_id from ${traceLogsTable('monitoring', 1)} order by trace_id`.execute(db);
      expect(copies.map((r) => r.trace_id)).toEqual(['tr-100', 'tr-101', 'tr-5']);
      const record = await db.selectFrom('assay.dataset_record_version').select(['inputs', 'source']).executeTakeFirstOrThrow();
      expect(record).toEqual({ inputs: { q: 'from trace 100' }, source: { trace: { trace_id: 'tr-100' } } });
      // The overview's rollup forgets the dropped traces too, before and after its deltas are folded.
      const range = { from: 0, to: Date.UTC(2100, 0, 1) }; // whole hours around every trace: read from the rollup
      const volume = await traceVolumeFromTraces(db, 1, range, 'hour');
      expect(volume.totals.traces).toBe(kept);
      expect(await traceVolume(db, 1, range, 'hour')).toEqual(volume);
      await foldTraceRollup(db);
      expect(await traceVolume(db, 1, range, 'hour')).toEqual(volume);
      // Run again: nothing more to drop.
      expect((await dropExpiredPartitions(db, { now, globalDays: 30 })).dropped).toEqual([]);
      // A dropped trace's id that arrives again starts afresh, today.
      await upsertTraces(db, [write('tr-100', 1, {})]);
      const again = await db.selectFrom('assay.trace').select('created_at').where('trace_id', '=', 'tr-100').executeTakeFirstOrThrow();
      expect(again.created_at.getTime()).toBeGreaterThan(now.getTime() - 60_000);
    });

    it('keeps an experiment with its own retention in its own class of partitions', async () => {
      await sql`insert into assay.experiment (experiment_id, name) values (2, 'short')`.execute(db);
      const short = await setExperimentRetention(db, '2', 3);
      expect(short.retention_days).toBe(3);
      await upsertTraces(db, [write('tr-short', 2, {})]);
      await upsertTraces(db, [write('tr-global', 1, {})]);
      const classes = await db.selectFrom('assay.trace').select(['trace_id', 'retention_class']).where('trace_id', 'in', ['tr-short', 'tr-global']).orderBy('trace_id').execute();
      expect(classes).toEqual([{ trace_id: 'tr-global', retention_class: 0 }, { trace_id: 'tr-short', retention_class: 3 }]);
      // Ten days on, with no global retention: the 3-day class has expired, class 0 is kept forever.
      const later = new Date(Date.now() + 10 * DAY);
      const before = await count(db, 'trace');
      const { dropped } = await dropExpiredPartitions(db, { now: later, globalDays: undefined });
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.every((name) => name.startsWith('trace_r3_'))).toBe(true);
      expect(await count(db, 'trace')).toBe(before - 1);
      expect(await count(db, 'trace', sql`trace_id = 'tr-global'`)).toBe(1);
    });
  });
}
