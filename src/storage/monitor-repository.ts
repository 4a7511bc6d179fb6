/** Monitors (config documents with a version and an etag) and their runs. */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { MonitorConfig } from '../domain/monitor-config.ts';
import type { MonitorRunTable, MonitorTable, RunKind } from './monitor-schema.ts';
import type { Db, Executor } from './connect.ts';

export type MonitorRow = Selectable<MonitorTable>;
export type MonitorRunRow = Selectable<MonitorRunTable>;

export function etagOf(config: MonitorConfig, version: number): string {
  const digest = createHash('sha256').update(JSON.stringify(config)).update(String(version)).digest('hex');
  return `"${version}-${digest.slice(0, 16)}"`;
}

export async function findMonitor(db: Executor, experimentId: number, lock = false): Promise<MonitorRow | undefined> {
  let query = db.selectFrom('assay.monitor').selectAll().where('experiment_id', '=', experimentId);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Writes the whole config; the first write also fixes the results schema and starts the cursor now. */
export async function saveMonitor(
  db: Executor,
  input: { experimentId: number; config: MonitorConfig; previous: MonitorRow | undefined; user: string; dueNow: boolean },
): Promise<MonitorRow> {
  const version = (input.previous?.version ?? 0) + 1;
  const etag = etagOf(input.config, version);
  if (!input.previous) {
    return db
      .insertInto('assay.monitor')
      .values({
        experiment_id: input.experimentId,
        config: JSON.stringify(input.config),
        version,
        etag,
        results_schema: input.config.results_schema,
        created_by: input.user,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return db
    .updateTable('assay.monitor')
    .set({
      config: JSON.stringify(input.config),
      // Unchanged, except when moving off a reserved schema stored before names were checked.
      results_schema: input.config.results_schema,
      version,
      etag,
      updated_at: sql`now()`,
      ...(input.dueNow ? { next_due_at: sql`now()` } : {}),
    })
    .where('experiment_id', '=', input.experimentId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteMonitor(db: Executor, experimentId: number): Promise<boolean> {
  const result = await db.deleteFrom('assay.monitor').where('experiment_id', '=', experimentId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export function newRunId(): string {
  return `mr-${randomUUID().replaceAll('-', '')}`;
}

/**
 * Creates a run unless one with the same key exists or the monitor already has an active run
 * (the partial unique index). Returns undefined when nothing was created.
 */
export async function createRun(
  db: Executor,
  input: {
    runId?: string;
    experimentId: number;
    runKey: string;
    kind: RunKind;
    config: MonitorConfig;
    backfill?: { from: number; to: number };
  },
): Promise<MonitorRunRow | undefined> {
  return db
    .insertInto('assay.monitor_run')
    .values({
      run_id: input.runId ?? newRunId(),
      experiment_id: input.experimentId,
      run_key: input.runKey,
      kind: input.kind,
      status: 'queued',
      config: JSON.stringify(input.config),
      backfill_from: input.backfill?.from ?? null,
      backfill_to: input.backfill?.to ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findRun(db: Executor, runId: string): Promise<MonitorRunRow | undefined> {
  return db.selectFrom('assay.monitor_run').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function activeRun(db: Executor, experimentId: number): Promise<MonitorRunRow | undefined> {
  return db
    .selectFrom('assay.monitor_run')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
}

export async function activeRuns(db: Executor): Promise<MonitorRunRow[]> {
  return db.selectFrom('assay.monitor_run').selectAll().where('status', 'in', ['queued', 'running']).execute();
}

/** The experiment's latest runs, newest first; `from`/`to` (epoch ms) bound when they were created. */
export async function listRuns(db: Executor, experimentId: number, limit: number, bounds: { from?: number; to?: number } = {}): Promise<MonitorRunRow[]> {
  let query = db
    .selectFrom('assay.monitor_run')
    .selectAll()
    .where('experiment_id', '=', experimentId);
  if (bounds.from !== undefined) query = query.where('created_at', '>=', new Date(bounds.from));
  if (bounds.to !== undefined) query = query.where('created_at', '<', new Date(bounds.to));
  return query
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Takes one due, unpaused monitor (skipping rows another scheduler holds), moves its next due time
 * one interval on and creates its scheduled run. Returns the run id, '' when a run was still active
 * (it will pick up this interval's traces too), null when no monitor is due.
 */
export async function startDueRun(db: Db): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('assay.monitor')
      .select(['experiment_id', 'config', 'next_due_at'])
      .where('next_due_at', '<=', sql<Date>`now()`)
      .where(sql<boolean>`not coalesce((config->>'paused')::boolean, false)`)
      .orderBy('next_due_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!due) return null;
    await trx
      .updateTable('assay.monitor')
      .set({ next_due_at: sql`now() + make_interval(mins => ${due.config.interval_minutes})` })
      .where('experiment_id', '=', due.experiment_id)
      .execute();
    const run = await createRun(trx, {
      experimentId: due.experiment_id,
      kind: 'scheduled',
      runKey: `scheduled:${due.experiment_id}:${due.next_due_at.getTime()}`,
      config: due.config,
    });
    return run?.run_id ?? '';
  });
}
