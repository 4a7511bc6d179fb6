/** Evaluation runs and their rows: writes for planning and execution, reads for the API. */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { JsonValue } from '../domain/trace.ts';
import { batches, toJsonb } from './json.ts';
import type { EvaluationRowTable, EvaluationRunTable, RunCounts } from './evaluation-schema.ts';
import type { Executor } from './trace-repository.ts';

export type EvaluationRunRow = Selectable<EvaluationRunTable>;
export type EvaluationRowRow = Selectable<EvaluationRowTable>;

export async function insertRun(db: Executor, run: Insertable<EvaluationRunTable>): Promise<EvaluationRunRow> {
  return db.insertInto('assay.evaluation_run').values(run).returningAll().executeTakeFirstOrThrow();
}

export async function insertRows(db: Executor, rows: ReadonlyArray<Insertable<EvaluationRowTable>>): Promise<void> {
  for (const batch of batches(rows, 10)) await db.insertInto('assay.evaluation_row').values(batch).execute();
}

/** Runs a user has queued or running: for the per-token limit on concurrent evaluations. */
export async function activeRunsOf(db: Executor, user: string): Promise<number> {
  const row = await db
    .selectFrom('assay.evaluation_run')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('created_by', '=', user)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findRun(db: Executor, runId: string): Promise<EvaluationRunRow | undefined> {
  return db.selectFrom('assay.evaluation_run').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function listRuns(
  db: Executor,
  filter: { experimentId?: number | undefined; dataset?: string | undefined; limit: number; offset: number },
): Promise<EvaluationRunRow[]> {
  let query = db.selectFrom('assay.evaluation_run').selectAll().orderBy('created_at', 'desc').orderBy('run_id');
  if (filter.experimentId !== undefined) query = query.where('experiment_id', '=', filter.experimentId);
  if (filter.dataset !== undefined) query = query.where('dataset_name', '=', filter.dataset.toLowerCase());
  return query.limit(filter.limit).offset(filter.offset).execute();
}

export async function deleteRun(db: Executor, runId: string): Promise<boolean> {
  const result = await db.deleteFrom('assay.evaluation_run').where('run_id', '=', runId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Rows of one slice (row_index mod slices) still to do, in order. */
export async function pendingRows(db: Executor, runId: string, slice: number, slices: number): Promise<EvaluationRowRow[]> {
  return db
    .selectFrom('assay.evaluation_row')
    .selectAll()
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .where(sql<boolean>`row_index % ${slices} = ${slice}`)
    .orderBy('row_index')
    .execute();
}

/** A page of rows; `failedJudge` keeps rows whose failing judges include it. */
export async function pageRows(
  db: Executor,
  runId: string,
  options: { after: number; limit: number; failedJudge?: string | undefined; status?: string | undefined },
): Promise<EvaluationRowRow[]> {
  let query = db.selectFrom('assay.evaluation_row').selectAll().where('run_id', '=', runId).where('row_index', '>', options.after);
  if (options.failedJudge !== undefined) query = query.where(sql<boolean>`failing_judges ? ${options.failedJudge}`);
  if (options.status !== undefined) query = query.where('status', '=', options.status as never);
  return query.orderBy('row_index').limit(options.limit).execute();
}

/** Every row of a run, for metrics and comparison. */
export async function allRows(db: Executor, runId: string): Promise<EvaluationRowRow[]> {
  return db.selectFrom('assay.evaluation_row').selectAll().where('run_id', '=', runId).orderBy('row_index').execute();
}

/**
 * Stores what the target answered, once: a row whose output is already recorded keeps it, so a
 * resumed run never asks the target twice. Returns false when the row already had one.
 */
export async function recordOutput(
  db: Executor,
  runId: string,
  rowIndex: number,
  output: { outputs: JsonValue | null; latency_ms: number; input_tokens: number | null; output_tokens: number | null; total_tokens: number | null; cost: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('assay.evaluation_row')
    .set({
      outputs: toJsonb(output.outputs),
      output_recorded: true,
      target_latency_ms: output.latency_ms,
      input_tokens: output.input_tokens,
      output_tokens: output.output_tokens,
      total_tokens: output.total_tokens,
      cost: output.cost,
    })
    .where('run_id', '=', runId)
    .where('row_index', '=', rowIndex)
    .where('output_recorded', '=', false)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Progress counts of a run from its rows. */
export async function rowCounts(db: Executor, runId: string): Promise<RunCounts & { pending: number }> {
  const row = await db
    .selectFrom('assay.evaluation_row')
    .select([
      sql<number>`count(*)::int`.as('rows'),
      sql<number>`(count(*) filter (where status = 'pending'))::int`.as('pending'),
      sql<number>`(count(*) filter (where status = 'done'))::int`.as('done'),
      sql<number>`(count(*) filter (where status = 'errored'))::int`.as('errored'),
      sql<number>`(count(*) filter (where passed))::int`.as('passed'),
      sql<number>`(count(*) filter (where status = 'done' and not passed))::int`.as('failed'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  return row;
}

/** Appends a finished run's metrics for dashboards; a second finish of the same run adds nothing. */
export async function appendMetrics(db: Executor, run: { run_id: string; name: string }, metrics: Record<string, number>): Promise<void> {
  const rows = Object.entries(metrics)
    .filter(([, value]) => Number.isFinite(value))
    .map(([metric, value]) => ({ run_id: run.run_id, run_name: run.name, metric, value }));
  for (const batch of batches(rows, 4)) {
    await db.insertInto('assay.evaluation_metrics').values(batch).onConflict((oc) => oc.columns(['run_id', 'metric']).doNothing()).execute();
  }
}

/** A run that read a dataset, as the dataset's lineage lists it. */
export interface DatasetRunRef {
  run_id: string;
  name: string;
  status: string;
  dataset_version: number;
  created_at: string;
}

/** The evaluation runs that used each version of a dataset, newest first. */
export async function runsUsingDataset(db: Executor, name: string): Promise<DatasetRunRef[]> {
  const rows = await db
    .selectFrom('assay.evaluation_run')
    .select(['run_id', 'name', 'status', 'dataset_version', 'created_at'])
    .where('dataset_name', '=', name.toLowerCase())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ run_id: r.run_id, name: r.name, status: r.status, dataset_version: r.dataset_version ?? 0, created_at: r.created_at.toISOString() }));
}
