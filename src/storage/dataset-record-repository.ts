/**
 * Versions of dataset records in `assay.dataset_record_version`, and the dataset's version log.
 * Rows are never changed except to close them (set valid_to) when a later version replaces them.
 */
import { sql, type Selectable } from 'kysely';
import { recordSeqOf, type DatasetRecord, type RecordSource } from '../domain/dataset-record.ts';
import type { DatasetRecordVersionTable, DatasetVersionTable } from './schema.ts';
import type { Executor } from './connect.ts';

/** A current record with the bookkeeping a change needs to replace it. */
export interface CurrentRecord {
  record_seq: number;
  inputs_hash: string;
  content_hash: string;
  record: DatasetRecord;
}

/** A new row version to write: a record, its hashes, and its place in the order. */
export interface RecordVersionWrite {
  record: DatasetRecord;
  inputs_hash: string;
  content_hash: string;
  record_seq: number;
}

function rowToRecord(r: Selectable<DatasetRecordVersionTable>): DatasetRecord {
  return {
    dataset_record_id: r.record_id,
    inputs: r.inputs,
    outputs: r.outputs,
    expectations: r.expectations,
    tags: r.tags,
    source: r.source as RecordSource | null,
    create_time: r.create_time,
    created_by: r.created_by,
    last_update_time: r.last_update_time,
    last_updated_by: r.last_updated_by,
  };
}

function toCurrent(r: Selectable<DatasetRecordVersionTable>): CurrentRecord {
  return { record_seq: r.record_seq, inputs_hash: r.inputs_hash, content_hash: r.content_hash, record: rowToRecord(r) };
}

/**
 * Closes the current records whose inputs hash is among `hashes` at `version` and returns them as
 * they were, in one statement: a merge replaces every record it matches, so it need not read them
 * first and close them after.
 */
export async function closeCurrentByHashes(
  db: Executor,
  datasetId: number,
  hashes: readonly string[],
  version: number,
): Promise<CurrentRecord[]> {
  if (hashes.length === 0) return [];
  const rows = await db
    .updateTable('assay.dataset_record_version')
    .set({ valid_to: version })
    .where('dataset_id', '=', datasetId)
    .where('valid_to', 'is', null)
    .where('inputs_hash', '=', sql<string>`any(${[...hashes]}::text[])`)
    .returningAll()
    .execute();
  return rows.map(toCurrent);
}

/** Current records of a dataset by record id (ids that are not Assay record ids match nothing). */
export async function loadCurrentByIds(db: Executor, datasetId: number, ids: readonly string[]): Promise<CurrentRecord[]> {
  const seqs = ids.map(recordSeqOf).filter((s): s is number => s !== undefined);
  if (seqs.length === 0) return [];
  const rows = await db
    .selectFrom('assay.dataset_record_version')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('record_seq', '=', sql<number>`any(${seqs}::bigint[])`)
    .where('valid_to', 'is', null)
    .where('record_id', '=', sql<string>`any(${[...ids]}::text[])`)
    .execute();
  return rows.map(toCurrent);
}

/** Takes `count` new places in the record order, in one query. */
export async function allocateRecordSeqs(db: Executor, count: number): Promise<number[]> {
  if (count === 0) return [];
  const result = await sql<{ seq: number }>`
    select nextval('assay.dataset_record_seq') as seq from generate_series(1, ${count})`.execute(db);
  return result.rows.map((r) => Number(r.seq));
}

/** Closes the current versions of these records: they stop being current at `version`. */
export async function closeVersions(db: Executor, datasetId: number, recordSeqs: readonly number[], version: number): Promise<void> {
  if (recordSeqs.length === 0) return;
  await db
    .updateTable('assay.dataset_record_version')
    .set({ valid_to: version })
    .where('dataset_id', '=', datasetId)
    .where('record_seq', '=', sql<number>`any(${[...recordSeqs]}::bigint[])`)
    .where('valid_to', 'is', null)
    .execute();
}

/** Rows per insert statement: a few megabytes of JSON at most. */
const INSERT_ROWS = 5000;

/**
 * Appends row versions valid from `version`. Each statement sends its rows as one JSON document
 * that `json_to_recordset` unpacks: one parameter instead of thirteen per row, far less for the
 * driver to build and Postgres to parse in a large merge (kysely has no words for this, hence sql).
 */
export async function insertVersions(
  db: Executor,
  datasetId: number,
  version: number,
  writes: readonly RecordVersionWrite[],
): Promise<void> {
  for (let i = 0; i < writes.length; i += INSERT_ROWS) {
    const rows = writes.slice(i, i + INSERT_ROWS).map((w) => ({
      record_seq: w.record_seq,
      record_id: w.record.dataset_record_id,
      inputs_hash: w.inputs_hash,
      content_hash: w.content_hash,
      inputs: w.record.inputs,
      outputs: w.record.outputs,
      expectations: w.record.expectations,
      tags: w.record.tags,
      source: w.record.source,
      create_time: w.record.create_time,
      created_by: w.record.created_by,
      last_update_time: w.record.last_update_time,
      last_updated_by: w.record.last_updated_by,
    }));
    await sql`
      insert into assay.dataset_record_version
        (dataset_id, valid_from, record_seq, record_id, inputs_hash, content_hash, inputs, outputs, expectations,
         tags, source, create_time, created_by, last_update_time, last_updated_by)
      select ${datasetId}, ${version}, r.record_seq, r.record_id, r.inputs_hash, r.content_hash, r.inputs, r.outputs,
             r.expectations, r.tags, r.source, r.create_time, r.created_by, r.last_update_time, r.last_updated_by
      from json_to_recordset(${JSON.stringify(rows)}::json) as r(
        record_seq bigint, record_id text, inputs_hash text, content_hash text, inputs jsonb, outputs jsonb,
        expectations jsonb, tags jsonb, source jsonb, create_time timestamptz, created_by text,
        last_update_time timestamptz, last_updated_by text)`.execute(db);
  }
}

/**
 * One page of the records as they were at `version`, in insertion order. `after` is the last
 * record_seq of the previous page.
 */
export async function loadRecordsAt(
  db: Executor,
  datasetId: number,
  version: number,
  page: { limit: number; after?: number | undefined; search?: string | undefined },
): Promise<Array<{ seq: number; record: DatasetRecord }>> {
  let query = db
    .selectFrom('assay.dataset_record_version')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('valid_from', '<=', version)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', version)]))
    .orderBy('record_seq')
    .limit(page.limit);
  if (page.after !== undefined) query = query.where('record_seq', '>', page.after);
  if (page.search) {
    // The inputs' JSON text, so a search finds words in any field; % and _ are taken literally.
    const pattern = `%${page.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<string>`inputs::text`, 'ilike', pattern);
  }
  const rows = await query.execute();
  return rows.map((r) => ({ seq: r.record_seq, record: rowToRecord(r) }));
}

export type DatasetVersion = Omit<Selectable<DatasetVersionTable>, 'dataset_id'>;

export async function insertVersionRow(db: Executor, row: Omit<DatasetVersion, 'created_at'> & { dataset_id: number }): Promise<void> {
  await db.insertInto('assay.dataset_version').values(row).execute();
}

/** A dataset's version log, newest first. */
export async function listVersions(db: Executor, datasetId: number): Promise<DatasetVersion[]> {
  return db
    .selectFrom('assay.dataset_version')
    .select(['version', 'operation', 'created_at', 'created_by', 'inserted', 'updated', 'deleted', 'record_count', 'digest'])
    .where('dataset_id', '=', datasetId)
    .orderBy('version', 'desc')
    .execute();
}

/** One version's log entry, if it exists. */
export async function getVersion(db: Executor, datasetId: number, version: number): Promise<DatasetVersion | undefined> {
  return db
    .selectFrom('assay.dataset_version')
    .select(['version', 'operation', 'created_at', 'created_by', 'inserted', 'updated', 'deleted', 'record_count', 'digest'])
    .where('dataset_id', '=', datasetId)
    .where('version', '=', version)
    .executeTakeFirst();
}
