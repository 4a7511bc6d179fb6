/**
 * Datasets as a whole: create, read, and read the records of any version. Evaluations read their
 * data through `readDatasetRecords`, which pins the version it read so the run can record it.
 */
import { parseDatasetName } from '../domain/dataset-name.ts';
import type { DatasetRecord } from '../domain/dataset-record.ts';
import { invalid, notFound } from '../domain/errors.ts';
import type { Db } from '../storage/connect.ts';
import { loadRecordsAt } from '../storage/dataset-record-repository.ts';
import {
  getDatasetRow,
  insertDataset,
  toDataset,
  type Dataset,
  type DatasetRow,
} from '../storage/dataset-repository.ts';
import { findExperiment } from '../storage/experiment-repository.ts';
import type { Executor } from '../storage/trace-repository.ts';

export type { Dataset };

/** Creates an empty dataset (version 0) and its SQL view. */
export async function createDataset(
  db: Db,
  input: { name: string; experiment_ids?: string[] | undefined; tags?: Record<string, string> | undefined; user: string },
): Promise<Dataset> {
  const name = parseDatasetName(input.name);
  const experimentIds = await checkExperiments(db, input.experiment_ids ?? []);
  const row = await db.transaction().execute((trx) =>
    insertDataset(trx, name, { experiment_ids: experimentIds, tags: input.tags ?? {}, user: input.user }),
  );
  return toDataset(row);
}

/** Experiment ids must name existing experiments; returned deduplicated, as strings. */
export async function checkExperiments(db: Executor, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const missing: string[] = [];
  for (const id of unique) if (!(await findExperiment(db, id))) missing.push(id);
  if (missing.length > 0) throw invalid(`experiment_ids: unknown experiments: ${missing.join(', ')}`);
  return unique;
}

/** The dataset by name (`schema.table`, any case); 400 for a malformed name, 404 when absent. */
export async function getDataset(db: Executor, name: string): Promise<Dataset> {
  return toDataset(await getDatasetRow(db, parseDatasetName(name).full));
}

/** The version asked for, or the current one; a version that does not exist (yet) is a 404. */
export function resolveVersion(dataset: Pick<DatasetRow, 'name' | 'current_version'>, version: number | undefined): number {
  if (version === undefined) return dataset.current_version;
  if (!Number.isInteger(version) || version < 0 || version > dataset.current_version) {
    throw notFound(`version: dataset '${dataset.name}' has versions 0 to ${dataset.current_version}; ${version} does not exist`);
  }
  return version;
}

/** One page of a version's records, in insertion order; `after` is the previous page's cursor. */
export async function readDatasetPage(
  db: Executor,
  name: string,
  options: { version?: number | undefined; limit: number; after?: number | undefined; search?: string | undefined },
): Promise<{ dataset: Dataset; version: number; records: DatasetRecord[]; next: number | undefined }> {
  const row = await getDatasetRow(db, parseDatasetName(name).full);
  const version = resolveVersion(row, options.version);
  const page = await loadRecordsAt(db, row.dataset_id, version, { limit: options.limit, after: options.after, search: options.search });
  const last = page.at(-1);
  return {
    dataset: toDataset(row),
    version,
    records: page.map((p) => p.record),
    next: last && page.length === options.limit ? last.seq : undefined,
  };
}

/**
 * Every record of one version (the current one by default), in insertion order, with the version
 * read: what an evaluation run takes as its data and records as its lineage.
 */
export async function readDatasetRecords(
  db: Executor,
  name: string,
  version?: number,
): Promise<{ dataset: Dataset; version: number; records: DatasetRecord[] }> {
  const row = await getDatasetRow(db, parseDatasetName(name).full);
  const pinned = resolveVersion(row, version);
  const records: DatasetRecord[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await loadRecordsAt(db, row.dataset_id, pinned, { limit: 5000, after });
    records.push(...page.map((p) => p.record));
    if (page.length < 5000) break;
    after = page.at(-1)!.seq;
  }
  return { dataset: toDataset(row), version: pinned, records };
}
