/** Experiments: named containers of traces. */
import type { Selectable } from 'kysely';
import { alreadyExists, notFound } from '../domain/errors.ts';
import type { ExperimentTable } from './schema.ts';
import type { Executor } from './connect.ts';
import { ensurePartitions } from './partitions.ts';

export interface Experiment {
  experiment_id: string;
  name: string;
  tags: Record<string, string>;
  created_by: string | null;
  creation_time: string;
  /** Days its traces are kept; null: ASSAY_RETENTION_DAYS. Applies to traces that arrive after it is set. */
  retention_days: number | null;
}

function toExperiment(r: Selectable<ExperimentTable>): Experiment {
  return {
    experiment_id: String(r.experiment_id),
    name: r.name,
    tags: r.tags,
    created_by: r.created_by,
    creation_time: r.created_at.toISOString(),
    retention_days: r.retention_days,
  };
}

export async function createExperiment(
  db: Executor,
  input: { name: string; tags?: Record<string, string>; created_by?: string | null; retention_days?: number | null },
): Promise<Experiment> {
  if (input.retention_days) await ensurePartitions(db, { classes: [input.retention_days] });
  const row = await db
    .insertInto('assay.experiment')
    .values({ name: input.name, tags: JSON.stringify(input.tags ?? {}), created_by: input.created_by ?? null, retention_days: input.retention_days ?? null })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw alreadyExists(`name: an experiment named '${input.name}' already exists`);
  return toExperiment(row);
}

/** Parses an experiment id from a path or body; anything but digits does not exist. */
export function parseExperimentId(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined;
}

export async function findExperiment(db: Executor, id: string): Promise<Experiment | undefined> {
  const numeric = parseExperimentId(id);
  if (numeric === undefined) return undefined;
  const row = await db.selectFrom('assay.experiment').selectAll().where('experiment_id', '=', numeric).executeTakeFirst();
  return row && toExperiment(row);
}

export async function getExperiment(db: Executor, id: string): Promise<Experiment> {
  const found = await findExperiment(db, id);
  if (!found) throw notFound(`experiment_id: experiment '${id}' does not exist`);
  return found;
}

export async function listExperiments(db: Executor, filter: { name?: string } = {}): Promise<Experiment[]> {
  let query = db.selectFrom('assay.experiment').selectAll().orderBy('experiment_id');
  if (filter.name !== undefined) query = query.where('name', '=', filter.name);
  return (await query.execute()).map(toExperiment);
}

/**
 * Sets how many days an experiment's traces are kept (null: ASSAY_RETENTION_DAYS). Traces keep the
 * retention class they arrived under, so this applies to traces that arrive from now on; the
 * partitions of the new class are created first, so the next trace has somewhere to go.
 */
export async function setExperimentRetention(db: Executor, id: string, retentionDays: number | null): Promise<Experiment> {
  const numeric = parseExperimentId(id);
  if (numeric === undefined) throw notFound(`experiment_id: experiment '${id}' does not exist`);
  if (retentionDays !== null) await ensurePartitions(db, { classes: [retentionDays] });
  const row = await db
    .updateTable('assay.experiment')
    .set({ retention_days: retentionDays })
    .where('experiment_id', '=', numeric)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound(`experiment_id: experiment '${id}' does not exist`);
  return toExperiment(row);
}
