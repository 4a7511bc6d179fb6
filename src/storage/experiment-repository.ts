/** Experiments: named containers of traces. */
import type { Selectable } from 'kysely';
import { alreadyExists, notFound } from '../domain/errors.ts';
import type { ExperimentTable } from './schema.ts';
import type { Executor } from './connect.ts';

export interface Experiment {
  experiment_id: string;
  name: string;
  tags: Record<string, string>;
  created_by: string | null;
  creation_time: string;
}

function toExperiment(r: Selectable<ExperimentTable>): Experiment {
  return {
    experiment_id: String(r.experiment_id),
    name: r.name,
    tags: r.tags,
    created_by: r.created_by,
    creation_time: r.created_at.toISOString(),
  };
}

export async function createExperiment(
  db: Executor,
  input: { name: string; tags?: Record<string, string>; created_by?: string | null },
): Promise<Experiment> {
  const row = await db
    .insertInto('assay.experiment')
    .values({ name: input.name, tags: JSON.stringify(input.tags ?? {}), created_by: input.created_by ?? null })
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
