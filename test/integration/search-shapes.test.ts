/**
 * Every filter shape of bench/search, on Postgres (with the trigram indexes of migration 017) and on
 * embedded PGlite: paging through `searchTraces` yields exactly the traces, in exactly the order, of
 * a plain reference query written independently here (IN-subqueries, no index in mind). And an
 * embedded database without pg_trgm still migrates and answers span content LIKE the same.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchCases } from '../../bench/search-cases.ts';
import { loadSearchBenchData, T0 } from '../../bench/search-data.ts';
import { parseFilter } from '../../src/domain/filter/parse-filter.ts';
import type { Db } from '../../src/storage/connect.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';
import { PGliteDialect } from '../../src/storage/pglite-dialect.ts';
import type { Database } from '../../src/storage/schema.ts';
import { searchTraces } from '../../src/storage/trace-search.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const COUNT = 3000;
const to = T0 + Math.floor(COUNT / 2) * 1000;
const from = to - 86_400_000;
const NEWEST = sql`t.request_time desc, t.trace_id`;

function assessed(kind: string, name: string, value: string): RawBuilder<unknown> {
  return sql`t.trace_id in (select trace_id from assay.assessment where kind = ${kind} and name = ${name} and valid
    and value = ${JSON.stringify(value)}::jsonb)`;
}
const spanWhere = (where: RawBuilder<unknown>) => sql`t.trace_id in (select trace_id from assay.span where ${where})`;
const contains = (text: string) =>
  sql`(position(${text} in inputs::text) > 0 or position(${text} in outputs::text) > 0 or position(${text} in attributes::text) > 0)`;

/** Per bench case: the matching traces' condition over `t` and their order. */
const REFERENCE: Record<string, { where: RawBuilder<unknown>; order: RawBuilder<unknown> }> = {
  'search.time_range': { where: sql`t.request_time >= ${from} and t.request_time < ${to}`, order: NEWEST },
  'search.time_tag': { where: sql`t.request_time >= ${from} and t.request_time < ${to} and t.tags ->> 'env' = 'prod'`, order: NEWEST },
  'search.tag': { where: sql`t.tags ->> 'customer' = 'c-7'`, order: NEWEST },
  'search.metadata': { where: sql`t.trace_metadata ->> 'user' = 'user-42'`, order: NEWEST },
  'search.status': { where: sql`t.state = 'ERROR'`, order: NEWEST },
  'search.feedback': { where: assessed('feedback', 'correctness', 'no'), order: NEWEST },
  'search.status_feedback': { where: sql`t.state = 'ERROR' and ${assessed('feedback', 'correctness', 'no')}`, order: NEWEST },
  'search.expectation': { where: assessed('expectation', 'category', 'billing'), order: NEWEST },
  'search.span_type': { where: spanWhere(sql`span_type = 'RETRIEVER'`), order: NEWEST },
  'search.span_name': { where: spanWhere(sql`name = 'search_docs'`), order: NEWEST },
  'search.span_like': { where: spanWhere(sql`span_type = 'LLM' and ${contains('refund')}`), order: NEWEST },
  'search.order_latency': {
    where: sql`t.tags ->> 'env' = 'prod'`,
    order: sql`t.execution_duration_ms desc nulls last, t.request_time desc, t.trace_id`,
  },
  'search.order_time_asc': { where: sql`t.state = 'OK'`, order: sql`t.request_time, t.trace_id` },
};

async function reference(db: Db, experimentId: number, name: string): Promise<string[]> {
  const shape = REFERENCE[name];
  if (!shape) throw new Error(`no reference query for ${name}`);
  const { rows } = await sql<{ trace_id: string }>`select t.trace_id from assay.trace t
    where t.experiment_id = ${experimentId} and ${shape.where} order by ${shape.order}`.execute(db);
  return rows.map((r) => r.trace_id);
}

/** Every page of a search, concatenated. */
async function allPages(db: Db, experimentId: number, filter: string, orderBy: string[] | undefined, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await searchTraces(db, {
      experiment_ids: [experimentId],
      filter: parseFilter(filter),
      order_by: orderBy,
      max_results: pageSize,
      page_token: token,
    });
    ids.push(...page.traces.map((t) => t.trace_id));
    token = page.next_page_token;
  } while (token);
  return ids;
}

describe.each(['postgres', 'pglite'] as const)('search shapes on %s', (kind) => {
  let database: TestDatabase;
  let experimentId: number;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    experimentId = await loadSearchBenchData(database.db, COUNT);
  });
  afterAll(async () => database?.drop());

  it.each(searchCases(COUNT).map((c) => [c.name, c] as const))('%s: same traces, same order as the reference', async (name, c) => {
    const expected = await reference(database.db, experimentId, name);
    expect(expected.length).toBeGreaterThan(0);
    expect(await allPages(database.db, experimentId, c.filter, c.order_by, 100)).toEqual(expected);
    // Small pages cross many keyset boundaries, ties included.
    expect(await allPages(database.db, experimentId, c.filter, c.order_by, 37)).toEqual(expected);
  });

  it('creates the trigram indexes where pg_trgm is available', async () => {
    const { rows } = await sql<{ indexname: string }>`select indexname from pg_indexes
      where schemaname = 'assay' and indexname like '%trigram' order by indexname`.execute(database.db);
    expect(rows.map((r) => r.indexname)).toEqual(['span_attributes_trigram', 'span_inputs_trigram', 'span_outputs_trigram']);
  });
});

describe('an embedded database without pg_trgm', () => {
  let pglite: PGlite;
  let db: Kysely<Database>;

  beforeAll(async () => {
    pglite = await PGlite.create('memory://');
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  });
  afterAll(async () => {
    await db?.destroy();
    await pglite?.close();
  });

  it('migrates without the trigram indexes and answers span content LIKE as the reference does', async () => {
    await migrateToLatest(db as never);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_indexes where indexname like '%trigram'`.execute(db);
    expect(rows[0]?.n).toBe(0);
    const experimentId = await loadSearchBenchData(db, 600);
    const c = searchCases(600).find((s) => s.name === 'search.span_like')!;
    const expected = await reference(db, experimentId, c.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(await allPages(db, experimentId, c.filter, c.order_by, 5)).toEqual(expected);
  });
});
