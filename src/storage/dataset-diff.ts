/**
 * The difference between two versions of a dataset: records added, removed and changed, found in
 * one full join of the two versions on the record's place in the order (a record keeps its place
 * through edits). Records whose content hash is equal are unchanged and never leave Postgres.
 */
import { sql } from 'kysely';
import type { DatasetRecord, RecordSource } from '../domain/dataset-record.ts';
import type { JsonObject, JsonValue } from '../domain/trace.ts';
import type { Executor } from './connect.ts';

export type DiffKind = 'added' | 'removed' | 'changed';

export interface DiffEntry {
  seq: number;
  kind: DiffKind;
  before: DatasetRecord | null;
  after: DatasetRecord | null;
}

export interface DiffCounts {
  added: number;
  removed: number;
  changed: number;
}

function versionAt(datasetId: number, version: number) {
  return sql`
    select * from assay.dataset_record_version
    where dataset_id = ${datasetId} and valid_from <= ${version} and (valid_to is null or valid_to > ${version})`;
}

/** Which records differ and how: record order and kind only, so no record body is read for the whole join. */
function diffKeys(datasetId: number, from: number, to: number) {
  return sql`
    select coalesce(a.record_seq, b.record_seq) as seq,
           case when a.record_seq is null then 'added' when b.record_seq is null then 'removed' else 'changed' end as kind
    from (select record_seq, content_hash from (${versionAt(datasetId, from)}) va) a
    full join (select record_seq, content_hash from (${versionAt(datasetId, to)}) vb) b on a.record_seq = b.record_seq
    where a.content_hash is distinct from b.content_hash`;
}

export async function diffCounts(db: Executor, datasetId: number, from: number, to: number): Promise<DiffCounts> {
  const rows = await sql<{ kind: DiffKind; n: number }>`
    select kind, count(*)::int as n from (${diffKeys(datasetId, from, to)}) d group by kind`.execute(db);
  const counts: DiffCounts = { added: 0, removed: 0, changed: 0 };
  for (const r of rows.rows) counts[r.kind] = Number(r.n);
  return counts;
}

/** One page of the differences in record order; `after` is the previous page's last seq. */
export async function diffPage(
  db: Executor,
  datasetId: number,
  from: number,
  to: number,
  page: { after: number; limit: number; kind?: DiffKind | undefined },
): Promise<DiffEntry[]> {
  const kind = page.kind ? sql`and kind = ${page.kind}` : sql``;
  // The page's keys first, then the bodies of just those records as they were at each version.
  const rows = await sql<{ seq: string | number; kind: DiffKind; before: RawRow | null; after: RawRow | null }>`
    with page as (select * from (${diffKeys(datasetId, from, to)}) d where seq > ${page.after} ${kind} order by seq limit ${page.limit})
    select p.seq, p.kind,
           (select to_jsonb(a) from assay.dataset_record_version a where a.dataset_id = ${datasetId} and a.record_seq = p.seq
              and a.valid_from <= ${from} and (a.valid_to is null or a.valid_to > ${from})) as before,
           (select to_jsonb(b) from assay.dataset_record_version b where b.dataset_id = ${datasetId} and b.record_seq = p.seq
              and b.valid_from <= ${to} and (b.valid_to is null or b.valid_to > ${to})) as after
    from page p order by p.seq`.execute(db);
  return rows.rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, before: r.before ? toRecord(r.before) : null, after: r.after ? toRecord(r.after) : null }));
}

interface RawRow {
  record_id: string;
  inputs: JsonObject;
  outputs: JsonValue | null;
  expectations: JsonObject;
  tags: Record<string, string>;
  source: JsonObject | null;
  create_time: string;
  created_by: string | null;
  last_update_time: string;
  last_updated_by: string | null;
}

function toRecord(r: RawRow): DatasetRecord {
  return {
    dataset_record_id: r.record_id,
    inputs: r.inputs,
    outputs: r.outputs,
    expectations: r.expectations,
    tags: r.tags,
    source: r.source as RecordSource | null,
    create_time: new Date(r.create_time),
    created_by: r.created_by,
    last_update_time: new Date(r.last_update_time),
    last_updated_by: r.last_updated_by,
  };
}
