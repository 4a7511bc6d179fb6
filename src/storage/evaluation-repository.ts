/** Evaluation runs and their rows: writes for planning and execution, reads for the API. */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { JsonValue } from '../domain/trace.ts';
import { batches, toJsonb } from './json.ts';
import { sliceSql } from './run-repository.ts';
import type { EvaluationRowTable, EvaluationRunTable, RunCounts } from './evaluation-schema.ts';
import type { Db } from './connect.ts';
import type { Executor } from './trace-repository.ts';

export type EvaluationRunRow = Selectable<EvaluationRunTable>;
export type EvaluationRowRow = Selectable<EvaluationRowTable>;

export async function insertRun(db: Executor, run: Insertable<EvaluationRunTable>): Promise<EvaluationRunRow> {
  return db.insertInto('assay.evaluation_run').values(run).returningAll().executeTakeFirstOrThrow();
}

export async function insertRows(db: Executor, rows: ReadonlyArray<Insertable<EvaluationRowTable>>): Promise<void> {
  for (const batch of batches(rows, 10)) await db.insertInto('assay.evaluation_row').values(batch).execute();
}

/** Holds, until the transaction ends, the right to create a run for `user`: counting and inserting become one step. */
export async function lockRunsOf(trx: Executor, user: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`assay.evaluation_runs.${user}`}, 0))`.execute(trx);
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

/**
 * A page of one slice's rows (rows dealt round-robin by row_index) still to do, in order, after
 * row index `after`: a slice is read a page at a time, never whole.
 */
export async function pendingRows(
  db: Executor,
  runId: string,
  slice: number,
  slices: number,
  page: { after: number; limit: number },
): Promise<EvaluationRowRow[]> {
  return db
    .selectFrom('assay.evaluation_row')
    .selectAll()
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .where('row_index', '>', page.after)
    .where(sliceSql(sql.ref<number>('row_index'), slices), '=', slice)
    .orderBy('row_index')
    .limit(page.limit)
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

/** What a run's metrics read from one row. */
export type MetricFields = Pick<
  EvaluationRowRow,
  'row_index' | 'status' | 'passed' | 'verdicts' | 'target_latency_ms' | 'input_tokens' | 'output_tokens' | 'total_tokens' | 'cost'
>;

/** A page of a run's rows in row order after row index `after`, only what metrics read. */
export async function metricRowsPage(db: Executor, runId: string, page: { after: number; limit: number }): Promise<MetricFields[]> {
  return db
    .selectFrom('assay.evaluation_row')
    .select(['row_index', 'status', 'passed', 'verdicts', 'target_latency_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'cost'])
    .where('run_id', '=', runId)
    .where('row_index', '>', page.after)
    .orderBy('row_index')
    .limit(page.limit)
    .execute();
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

/** Marks a queued or running run running (keeping its first start time); undefined when it has ended. */
export async function markRunRunning(db: Executor, runId: string): Promise<EvaluationRunRow | undefined> {
  return db
    .updateTable('assay.evaluation_run')
    .set({ status: 'running', started_at: sql`coalesce(started_at, now())` })
    .where('run_id', '=', runId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}

/** The slices (rows dealt round-robin by row_index) that still have pending rows. */
export async function pendingSlices(db: Executor, runId: string, slices: number): Promise<number[]> {
  const rows = await db
    .selectFrom('assay.evaluation_row')
    .select(sliceSql(sql.ref<number>('row_index'), slices).as('slice'))
    .distinct()
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((r) => Number(r.slice));
}

/** What the run's judges cost, summed over their feedback (null when no judge reported a price). */
export async function judgeCostOfRun(db: Executor, runId: string): Promise<number | null> {
  const result = await sql<{ cost: number | null }>`
    select sum((a.metadata->>'assay.judge.cost')::float8) as cost
    from assay.assessment a join assay.evaluation_row r on r.trace_id = a.trace_id
    where r.run_id = ${runId} and a.metadata->>'assay.evaluation.run_id' = ${runId}`.execute(db);
  const cost = result.rows[0]?.cost;
  return cost === null || cost === undefined ? null : Number(cost);
}

export async function markRunSucceeded(db: Executor, runId: string, counts: RunCounts, metrics: Record<string, number>): Promise<void> {
  await db
    .updateTable('assay.evaluation_run')
    .set({ status: 'succeeded', counts: JSON.stringify(counts), metrics: JSON.stringify(metrics), finished_at: new Date() })
    .where('run_id', '=', runId)
    .execute();
}

/** Figures a caller-recorded trace brings to its row. */
export interface RowFigures {
  execution_duration_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
}

export async function setRowFigures(db: Executor, runId: string, rowIndex: number, info: RowFigures): Promise<void> {
  await db
    .updateTable('assay.evaluation_row')
    .set({
      target_latency_ms: info.execution_duration_ms,
      input_tokens: info.input_tokens,
      output_tokens: info.output_tokens,
      total_tokens: info.total_tokens,
      cost: info.cost,
    })
    .where('run_id', '=', runId)
    .where('row_index', '=', rowIndex)
    .execute();
}

export async function findRow(db: Executor, runId: string, rowIndex: number): Promise<EvaluationRowRow | undefined> {
  return db.selectFrom('assay.evaluation_row').selectAll().where('run_id', '=', runId).where('row_index', '=', rowIndex).executeTakeFirst();
}

/** One finished row's outcome, as `finishRows` writes it. */
export interface RowFinish {
  row_index: number;
  status: 'done' | 'errored';
  trace_id: string;
  error: string | null;
  latency_ms: number | null;
  passed: boolean | null;
  failing_judges: string[];
  verdicts: unknown[];
}

/** Marks many rows finished in one statement. */
export async function finishRows(db: Executor, runId: string, updates: readonly RowFinish[]): Promise<void> {
  await sql`
    update assay.evaluation_row r set
      status = u.status, trace_id = u.trace_id, error = u.error, passed = u.passed,
      failing_judges = u.failing_judges, verdicts = u.verdicts, finished_at = now(),
      target_latency_ms = coalesce(u.latency_ms, r.target_latency_ms)
    from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as u(
      row_index int, status text, trace_id text, error text, latency_ms float8, passed boolean, failing_judges jsonb, verdicts jsonb)
    where r.run_id = ${runId} and r.row_index = u.row_index`.execute(db);
}

/** One side of a row pair: absent (null index) when the other run has no row with these inputs. */
export interface PairedRow {
  a_index: number | null;
  b_index: number | null;
  /** Run A's inputs (run B's for a row only B has). */
  inputs: JsonValue;
  a_status: EvaluationRowRow['status'] | null;
  b_status: EvaluationRowRow['status'] | null;
  a_passed: boolean | null;
  b_passed: boolean | null;
  a_failing: string[] | null;
  b_failing: string[] | null;
}

/**
 * The rows of runs A and B paired by inputs (jsonb equality, so key order does not matter; inputs
 * seen twice in a run pair in row order), every row once, in A's row order, then rows only B has.
 * Postgres does the matching; the pairs come through a cursor `pageRows` at a time, so neither
 * run is ever held whole.
 */
export async function forEachRowPair(
  db: Db,
  runA: string,
  runB: string,
  pageRows: number,
  onPage: (pairs: PairedRow[]) => void,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      declare assay_row_pairs no scroll cursor for
      with a as (
        select row_index, inputs, status, passed, failing_judges,
               row_number() over (partition by inputs order by row_index) as nth
        from assay.evaluation_row where run_id = ${runA}),
      b as (
        select row_index, inputs, status, passed, failing_judges,
               row_number() over (partition by inputs order by row_index) as nth
        from assay.evaluation_row where run_id = ${runB})
      select a.row_index as a_index, b.row_index as b_index, coalesce(a.inputs, b.inputs) as inputs,
             a.status as a_status, b.status as b_status, a.passed as a_passed, b.passed as b_passed,
             a.failing_judges as a_failing, b.failing_judges as b_failing
      from a full join b on a.inputs = b.inputs and a.nth = b.nth
      order by a.row_index nulls last, b.row_index`.execute(trx);
    for (;;) {
      const page = await sql<PairedRow>`fetch forward ${sql.raw(String(Math.trunc(pageRows)))} from assay_row_pairs`.execute(trx);
      if (page.rows.length > 0) onPage(page.rows);
      if (page.rows.length < pageRows) break;
    }
    await sql`close assay_row_pairs`.execute(trx);
  });
}
