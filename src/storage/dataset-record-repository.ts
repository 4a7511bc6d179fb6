/**
 * Versions of dataset records in `assay.dataset_record_version`, and the dataset's version log.
 * Rows are never changed except to close them (set valid_to) when a later version replaces them.
 */
import { sql, type Selectable } from 'kysely';
import type { DatasetRecord, RecordSource } from '../domain/dataset-record.ts';
import { batches, toJsonb } from './json.ts';
import type { DatasetRecordVersionTable, DatasetVersionTable } from './schema.ts';
import type { Executor } from './trace-repository.ts';

/** A current record with the bookkeeping a change needs to replace it. */
export interface CurrentRecord {
  id: number;
  record_seq: number;
  inputs_hash: string;
  content_hash: string;
  record: DatasetRecord;
}

/** A new row version to write: a record, its hashes, and its place in the order (null: a new record). */
export interface RecordVersionWrite {
  record: DatasetRecord;
  inputs_hash: string;
  content_hash: string;
  record_seq: number | null;
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
  return { id: r.id, record_seq: r.record_seq, inputs_hash: r.inputs_hash, content_hash: r.content_hash, record: rowToRecord(r) };
}

/** Current records of a dataset whose inputs hash is among `hashes`, in one query. */
export async function loadCurrentByHashes(db: Executor, datasetId: number, hashes: readonly string[]): Promise<CurrentRecord[]> {
  if (hashes.length === 0) return [];
  const rows = await db
    .selectFrom('assay.dataset_record_version')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('valid_to', 'is', null)
    .where('inputs_hash', '=', sql<string>`any(${[...hashes]}::text[])`)
    .execute();
  return rows.map(toCurrent);
}

/** Current records of a dataset by record id. */
export async function loadCurrentByIds(db: Executor, datasetId: number, ids: readonly string[]): Promise<CurrentRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('assay.dataset_record_version')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('valid_to', 'is', null)
    .where('record_id', '=', sql<string>`any(${[...ids]}::text[])`)
    .execute();
  return rows.map(toCurrent);
}

/** Closes replaced row versions: they stop being current at `version`. */
export async function closeVersions(db: Executor, rowIds: readonly number[], version: number): Promise<void> {
  if (rowIds.length === 0) return;
  await db
    .updateTable('assay.dataset_record_version')
    .set({ valid_to: version })
    .where('id', '=', sql<number>`any(${[...rowIds]}::bigint[])`)
    .execute();
}

const COLUMNS = 17;

/** Appends row versions valid from `version`, in multi-row inserts. */
export async function insertVersions(
  db: Executor,
  datasetId: number,
  version: number,
  writes: readonly RecordVersionWrite[],
): Promise<void> {
  for (const batch of batches(writes, COLUMNS)) {
    await db
      .insertInto('assay.dataset_record_version')
      .values(
        batch.map((w) => ({
          dataset_id: datasetId,
          record_id: w.record.dataset_record_id,
          // New records take their place in the order here; later versions keep it.
          record_seq: w.record_seq ?? sql<number>`nextval('assay.dataset_record_seq')`,
          inputs_hash: w.inputs_hash,
          content_hash: w.content_hash,
          valid_from: version,
          inputs: JSON.stringify(w.record.inputs),
          outputs: toJsonb(w.record.outputs),
          expectations: JSON.stringify(w.record.expectations),
          tags: JSON.stringify(w.record.tags),
          source: toJsonb(w.record.source),
          create_time: w.record.create_time,
          created_by: w.record.created_by,
          last_update_time: w.record.last_update_time,
          last_updated_by: w.record.last_updated_by,
        })),
      )
      .execute();
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
  page: { limit: number; after?: number | undefined },
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
