/**
 * The one way a dataset's records change: inside a transaction that holds the dataset row lock,
 * close the replaced row versions, append the new ones, log version N+1 and update the dataset's
 * count and digest. Merges, edits and deletes all go through here, so every change is a version.
 */
import type { Transaction } from 'kysely';
import { updateDigest } from '../domain/dataset-merge.ts';
import { parseDatasetName } from '../domain/dataset-name.ts';
import { invalid } from '../domain/errors.ts';
import type { Db } from '../storage/connect.ts';
import {
  closeVersions,
  insertVersionRow,
  insertVersions,
  type CurrentRecord,
  type RecordVersionWrite,
} from '../storage/dataset-record-repository.ts';
import { getDatasetRow, insertDataset, setDatasetVersion, type DatasetRow } from '../storage/dataset-repository.ts';
import type { Database } from '../storage/schema.ts';

/** Configurable dataset limits (config `datasets`). */
export interface DatasetLimits {
  /** Most records one dataset may hold (ASSAY_DATASET_MAX_RECORDS). */
  maxRecords: number;
  /** Most expectations one record may hold (ASSAY_DATASET_MAX_EXPECTATIONS). */
  maxExpectations: number;
}

/** What a change does to the current records. */
export interface RecordChange {
  operation: 'merge' | 'update' | 'delete';
  /** Current rows that stop being current (replaced or deleted). */
  closed: readonly CurrentRecord[];
  /** True when the plan already closed them at the new version (a merge closes as it reads). */
  closedByPlan?: boolean;
  /** New row versions (new records and new versions of replaced ones). */
  written: readonly RecordVersionWrite[];
  inserted: number;
  updated: number;
  deleted: number;
}

export interface ChangeResult {
  inserted: number;
  updated: number;
  deleted: number;
  version: number;
}

/** A dataset to create in the change's own transaction: a refused change then leaves none behind. */
export interface NewDataset {
  /** Checked to exist (`checkExperiments`). */
  experiment_ids: string[];
  tags: Record<string, string>;
}

/**
 * Runs `plan` under the dataset's row lock and applies the change it returns as one new version.
 * With `create`, the dataset is created first, in the same transaction (409 when the name is taken).
 */
export async function changeDataset(
  db: Db,
  name: string,
  user: string,
  limits: DatasetLimits,
  plan: (trx: Transaction<Database>, dataset: DatasetRow) => Promise<RecordChange | null>,
  create?: NewDataset,
): Promise<ChangeResult> {
  return db.transaction().execute(async (trx) => {
    if (create) await insertDataset(trx, parseDatasetName(name), { ...create, user });
    // The lock serializes writers of one dataset, so versions are consecutive and none is lost.
    const dataset = await getDatasetRow(trx, parseDatasetName(name).full, { forUpdate: true });
    const change = await plan(trx, dataset);
    if (!change) return { inserted: 0, updated: 0, deleted: 0, version: dataset.current_version };
    const recordCount = dataset.record_count + change.inserted - change.deleted;
    if (recordCount > limits.maxRecords) {
      throw invalid(
        `records: the dataset would hold ${recordCount} records; the limit is ${limits.maxRecords} (ASSAY_DATASET_MAX_RECORDS)`,
      );
    }
    const version = dataset.current_version + 1;
    const digest = updateDigest(
      dataset.digest,
      change.closed.map((c) => c.content_hash),
      change.written.map((w) => w.content_hash),
    );
    if (!change.closedByPlan) await closeVersions(trx, dataset.dataset_id, change.closed.map((c) => c.record_seq), version);
    await insertVersions(trx, dataset.dataset_id, version, change.written);
    await insertVersionRow(trx, {
      dataset_id: dataset.dataset_id,
      version,
      operation: change.operation,
      created_by: user,
      inserted: change.inserted,
      updated: change.updated,
      deleted: change.deleted,
      record_count: recordCount,
      digest,
    });
    await setDatasetVersion(trx, dataset.dataset_id, { version, recordCount, digest, user });
    return { inserted: change.inserted, updated: change.updated, deleted: change.deleted, version };
  });
}

/** A 400 naming the field when a record holds more expectations than the limit. */
export function checkExpectationCount(field: string, expectations: object | undefined, limits: DatasetLimits): void {
  const count = expectations ? Object.keys(expectations).length : 0;
  if (count > limits.maxExpectations) {
    throw invalid(
      `${field}: ${count} expectations; the limit is ${limits.maxExpectations} per record (ASSAY_DATASET_MAX_EXPECTATIONS)`,
    );
  }
}
