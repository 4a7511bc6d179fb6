/**
 * `datasets.merge_new` and `datasets.merge_update`: merging N new records into a dataset, then the
 * same N again with changed expectations, through the merge service in the batches the API takes
 * (validated as the API validates them), beside a raw multi-row INSERT of the same rows into a
 * plain table in the same database. Ratio = Assay's rows/s ÷ raw rows/s.
 *
 * N comes from BENCH_DATASET_RECORDS (default 100,000). Runs alone: `npx tsx bench/datasets.ts`.
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../config/index.ts';
import { IMPORT_BATCH_SIZE } from '../src/cli/datasets.ts';
import { recordInputSchema } from '../src/domain/dataset-record.ts';
import type { Db } from '../src/storage/connect.ts';
import { createDataset } from '../src/services/datasets.ts';
import { mergeDatasetRecords } from '../src/services/merge-dataset.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { round, type BenchResult } from './result.ts';

const AIM = '>= 0.3';

function makeRecords(n: number, round: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    inputs: { question: `How do I configure feature ${i} of the product?`, context: { locale: 'en', user_tier: i % 3 } },
    expectations: {
      expected_response: `Open settings and enable feature ${i} (revision ${round}).`,
      expected_facts: [`feature ${i} lives in settings`, `revision ${round}`],
    },
    tags: { topic: `t${i % 50}`, round: String(round) },
  }));
}

interface RawRow {
  inputs: string;
  outputs: string | null;
  expectations: string;
  tags: string;
  source: string | null;
  created_by: string;
  create_time: Date;
}

/** The baseline: the same rows, one multi-row INSERT per batch, into a plain table with no index. */
async function rawInsert(db: Db, records: unknown[]): Promise<number> {
  const raw = db.withTables<{ 'bench_raw.records': RawRow }>();
  const started = performance.now();
  for (let i = 0; i < records.length; i += IMPORT_BATCH_SIZE) {
    const batch = records.slice(i, i + IMPORT_BATCH_SIZE) as Array<{ inputs: unknown; expectations: unknown; tags: unknown }>;
    await raw
      .insertInto('bench_raw.records')
      .values(
        batch.map((r) => ({
          inputs: JSON.stringify(r.inputs),
          outputs: null,
          expectations: JSON.stringify(r.expectations),
          tags: JSON.stringify(r.tags),
          source: JSON.stringify({ human: { user_name: 'bench' } }),
          created_by: 'bench',
          create_time: new Date(),
        })),
      )
      .execute();
  }
  return records.length / ((performance.now() - started) / 1000);
}

/** Assay: each batch validated as the API does, then merged as one version. */
async function merge(db: Db, name: string, records: unknown[]): Promise<{ rate: number; inserted: number; updated: number }> {
  const limits = loadConfig().datasets;
  const started = performance.now();
  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < records.length; i += IMPORT_BATCH_SIZE) {
    const batch = records.slice(i, i + IMPORT_BATCH_SIZE).map((r) => recordInputSchema.parse(r));
    const result = await mergeDatasetRecords(db, name, { records: batch }, { user: 'bench', limits });
    inserted += result.inserted;
    updated += result.updated;
  }
  return { rate: records.length / ((performance.now() - started) / 1000), inserted, updated };
}

export async function run(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_DATASET_RECORDS ?? 100_000);
  const database = await createTestDatabase('postgres');
  try {
    const db = database.db;
    await sql`create schema bench_raw;
      create table bench_raw.records (inputs jsonb not null, outputs jsonb, expectations jsonb not null,
        tags jsonb not null, source jsonb, created_by text, create_time timestamptz not null)`.execute(db);
    await createDataset(db, { name: 'bench.golden', user: 'bench' });
    const params = { records: n, batch: IMPORT_BATCH_SIZE };

    const fresh = makeRecords(n, 1);
    const rawNew = await rawInsert(db, fresh);
    const mergedNew = await merge(db, 'bench.golden', fresh);
    if (mergedNew.inserted !== n) throw new Error(`merge_new inserted ${mergedNew.inserted}, expected ${n}`);

    const changed = makeRecords(n, 2);
    const rawUpdate = await rawInsert(db, changed);
    const mergedUpdate = await merge(db, 'bench.golden', changed);
    if (mergedUpdate.updated !== n) throw new Error(`merge_update updated ${mergedUpdate.updated}, expected ${n}`);

    const result = (name: string, ours: number, raw: number): BenchResult => ({
      name,
      value: Math.round(ours),
      unit: 'rows/s',
      baseline: Math.round(raw),
      ratio: round(ours / raw),
      aim: AIM,
      params,
    });
    return [result('datasets.merge_new', mergedNew.rate, rawNew), result('datasets.merge_update', mergedUpdate.rate, rawUpdate)];
  } finally {
    await database.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  for (const r of results) console.log(`${r.name}: ${r.value} ${r.unit} vs raw ${r.baseline} → ratio ${r.ratio} (aim ${r.aim})`);
}
