/**
 * Datasets: their rows in `assay.dataset`, and the SQL view `<schema>.<table>` that shows each
 * dataset's current records to anyone with access to that schema.
 */
import { sql, type Selectable } from 'kysely';
import type { DatasetName } from '../domain/dataset-name.ts';
import { EMPTY_DIGEST } from '../domain/dataset-merge.ts';
import { alreadyExists, AssayError, notFound } from '../domain/errors.ts';
import type { DatasetTable } from './schema.ts';
import type { Executor } from './connect.ts';

/** A dataset as the API shows it (MLflow's EvaluationDataset fields). */
export interface Dataset {
  dataset_id: string;
  name: string;
  experiment_ids: string[];
  tags: Record<string, string>;
  record_count: number;
  current_version: number;
  digest: string;
  created_time: string;
  created_by: string | null;
  last_update_time: string;
  last_updated_by: string | null;
}

export type DatasetRow = Selectable<DatasetTable>;

export function toDataset(r: DatasetRow): Dataset {
  return {
    dataset_id: String(r.dataset_id),
    name: r.name,
    experiment_ids: r.experiment_ids,
    tags: r.tags,
    record_count: r.record_count,
    current_version: r.current_version,
    digest: r.digest,
    created_time: r.created_at.toISOString(),
    created_by: r.created_by,
    last_update_time: r.updated_at.toISOString(),
    last_updated_by: r.last_updated_by,
  };
}

/**
 * Creates the dataset row and its view in one transaction. A name taken by another dataset is a
 * 409; so is a relation of the same name that Assay did not create (a user's own table).
 */
export async function insertDataset(
  trx: Executor,
  name: DatasetName,
  input: { experiment_ids: string[]; tags: Record<string, string>; user: string },
): Promise<DatasetRow> {
  const clash = await sql<{ kind: string }>`
    select c.relkind::text as kind from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${name.schema} and c.relname = ${name.table}`.execute(trx);
  const row = await trx
    .insertInto('assay.dataset')
    .values({
      name: name.full,
      schema_name: name.schema,
      table_name: name.table,
      experiment_ids: JSON.stringify(input.experiment_ids),
      tags: JSON.stringify(input.tags),
      digest: EMPTY_DIGEST,
      created_by: input.user,
      last_updated_by: input.user,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw alreadyExists(`name: a dataset named '${name.full}' already exists`);
  if (clash.rows.length > 0) {
    throw new AssayError('RESOURCE_CONFLICT', `name: '${name.full}' is already a relation in Postgres that Assay does not manage`);
  }
  await sql`create schema if not exists ${sql.id(name.schema)}`.execute(trx);
  // security_barrier: a role granted this one view must not see other datasets' rows through a
  // cheap function of its own that the planner would run before the dataset filter.
  await sql`
    create view ${sql.id(name.schema, name.table)} with (security_barrier = true) as
    select record_id as dataset_record_id, inputs, outputs, expectations, tags, source,
           create_time, created_by, last_update_time, last_updated_by
    from assay.dataset_record_version
    where dataset_id = ${sql.raw(String(row.dataset_id))} and valid_to is null`.execute(trx);
  await sql`comment on view ${sql.id(name.schema, name.table)} is ${sql.lit(
    `Assay evaluation dataset ${name.full}: current records (read-only; change it through the Assay API)`,
  )}`.execute(trx);
  return row;
}

/** The dataset by name, or a 404 naming it. `forUpdate` serializes writers of one dataset. */
export async function getDatasetRow(db: Executor, name: string, options: { forUpdate?: boolean } = {}): Promise<DatasetRow> {
  let query = db.selectFrom('assay.dataset').selectAll().where('name', '=', name);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound(`name: dataset '${name}' does not exist`);
  return row;
}

/** The dataset by name, if it exists. */
export async function findDatasetRow(db: Executor, name: string): Promise<DatasetRow | undefined> {
  return db.selectFrom('assay.dataset').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Drops the view and every version of every record. */
export async function deleteDataset(trx: Executor, name: string): Promise<void> {
  const row = await getDatasetRow(trx, name, { forUpdate: true });
  await sql`drop view if exists ${sql.id(row.schema_name, row.table_name)}`.execute(trx);
  await trx.deleteFrom('assay.dataset_record_version').where('dataset_id', '=', row.dataset_id).execute();
  await trx.deleteFrom('assay.dataset').where('dataset_id', '=', row.dataset_id).execute();
}

/** Tags are merged key by key (a null value removes the key); experiment_ids are replaced. */
export async function updateDatasetMeta(
  trx: Executor,
  name: string,
  change: { tags?: Record<string, string | null>; experiment_ids?: string[]; user: string },
): Promise<DatasetRow> {
  const row = await getDatasetRow(trx, name, { forUpdate: true });
  const tags = { ...row.tags };
  for (const [key, value] of Object.entries(change.tags ?? {})) {
    if (value === null) delete tags[key];
    else tags[key] = value;
  }
  return trx
    .updateTable('assay.dataset')
    .set({
      tags: JSON.stringify(tags),
      ...(change.experiment_ids ? { experiment_ids: JSON.stringify(change.experiment_ids) } : {}),
      updated_at: sql`now()`,
      last_updated_by: change.user,
    })
    .where('dataset_id', '=', row.dataset_id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What `GET /api/v1/datasets` filters and sorts by. */
export interface DatasetListQuery {
  /** SQL LIKE pattern on the name (`%` any run, `_` one character). */
  nameLike?: string | undefined;
  createdBy?: string | undefined;
  tags?: Record<string, string>;
  experimentId?: string | undefined;
  orderBy: 'name' | 'created_time' | 'last_update_time';
  descending: boolean;
  limit: number;
  offset: number;
}

export async function listDatasets(db: Executor, q: DatasetListQuery): Promise<DatasetRow[]> {
  const column = q.orderBy === 'name' ? 'name' : q.orderBy === 'created_time' ? 'created_at' : 'updated_at';
  const direction = q.descending ? 'desc' : 'asc';
  let query = db
    .selectFrom('assay.dataset')
    .selectAll()
    .orderBy(column, direction)
    .orderBy('dataset_id', direction)
    .limit(q.limit)
    .offset(q.offset);
  if (q.nameLike !== undefined) query = query.where('name', 'like', q.nameLike.toLowerCase());
  if (q.createdBy !== undefined) query = query.where('created_by', '=', q.createdBy);
  if (q.tags && Object.keys(q.tags).length > 0) query = query.where(sql<boolean>`tags @> ${JSON.stringify(q.tags)}::jsonb`);
  if (q.experimentId !== undefined) {
    query = query.where(sql<boolean>`experiment_ids @> ${JSON.stringify([q.experimentId])}::jsonb`);
  }
  return query.execute();
}

/** Moves a dataset to a new version with its record count and digest. */
export async function setDatasetVersion(
  db: Executor,
  datasetId: number,
  change: { version: number; recordCount: number; digest: string; user: string },
): Promise<void> {
  await db
    .updateTable('assay.dataset')
    .set({ current_version: change.version, record_count: change.recordCount, digest: change.digest, updated_at: sql`now()`, last_updated_by: change.user })
    .where('dataset_id', '=', datasetId)
    .execute();
}
