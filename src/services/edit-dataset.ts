/**
 * Editing a dataset's records one by one: update a record's expectations, tags or outputs, delete
 * records. Each call is a new dataset version, exactly like a merge.
 */
import { contentHash } from '../domain/dataset-merge.ts';
import type { DatasetRecord } from '../domain/dataset-record.ts';
import { notFound } from '../domain/errors.ts';
import type { JsonObject, JsonValue } from '../domain/trace.ts';
import type { Db } from '../storage/connect.ts';
import { loadCurrentByIds } from '../storage/dataset-record-repository.ts';
import { changeDataset, checkExpectationCount, type ChangeResult, type DatasetLimits } from './dataset-change.ts';

/** Fields given replace the record's field whole (to merge key by key, use a merge). */
export interface RecordUpdate {
  expectations?: JsonObject | undefined;
  tags?: Record<string, string> | undefined;
  outputs?: JsonValue | undefined;
}

/** Updates one record; returns the record as it now is and the new version. */
export async function updateDatasetRecord(
  db: Db,
  name: string,
  recordId: string,
  update: RecordUpdate,
  options: { user: string; limits: DatasetLimits },
): Promise<{ record: DatasetRecord; version: number }> {
  checkExpectationCount('expectations', update.expectations, options.limits);
  let updated: DatasetRecord | undefined;
  const result = await changeDataset(db, name, options.user, options.limits, async (trx, dataset) => {
    const [current] = await loadCurrentByIds(trx, dataset.dataset_id, [recordId]);
    if (!current) throw notFound(`dataset_record_id: record '${recordId}' does not exist in dataset '${name}'`);
    const record: DatasetRecord = {
      ...current.record,
      ...(update.expectations !== undefined ? { expectations: update.expectations } : {}),
      ...(update.tags !== undefined ? { tags: update.tags } : {}),
      ...(update.outputs !== undefined ? { outputs: update.outputs } : {}),
      last_update_time: new Date(),
      last_updated_by: options.user,
    };
    updated = record;
    return {
      operation: 'update',
      closed: [current],
      written: [
        {
          record,
          inputs_hash: current.inputs_hash,
          content_hash: contentHash(current.inputs_hash, record),
          record_seq: current.record_seq,
        },
      ],
      inserted: 0,
      updated: 1,
      deleted: 0,
    };
  });
  return { record: updated!, version: result.version };
}

/** Deletes records by id; an unknown id is a 404 and nothing is deleted. */
export async function deleteDatasetRecords(
  db: Db,
  name: string,
  recordIds: readonly string[],
  options: { user: string; limits: DatasetLimits },
): Promise<ChangeResult> {
  const unique = [...new Set(recordIds)];
  return changeDataset(db, name, options.user, options.limits, async (trx, dataset) => {
    if (unique.length === 0) return null;
    const current = await loadCurrentByIds(trx, dataset.dataset_id, unique);
    if (current.length < unique.length) {
      const found = new Set(current.map((c) => c.record.dataset_record_id));
      const missing = unique.filter((id) => !found.has(id));
      throw notFound(`dataset_record_ids: records not in dataset '${name}': ${missing.join(', ')}`);
    }
    return { operation: 'delete', closed: current, written: [], inserted: 0, updated: 0, deleted: current.length };
  });
}
