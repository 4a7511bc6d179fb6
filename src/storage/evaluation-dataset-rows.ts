/**
 * An evaluation over a dataset version: its records become the run's rows inside Postgres, so
 * neither the API nor a job ever holds a whole dataset in memory.
 */
import { sql } from 'kysely';
import type { Executor } from './trace-repository.ts';

export interface DatasetVersionRef {
  datasetId: number;
  version: number;
}

/** The records visible at a version, in record order: the rows' order. */
function recordsAt(ref: DatasetVersionRef) {
  return sql`
    select record_id, record_seq, inputs, nullif(outputs, 'null'::jsonb) as outputs, expectations
    from assay.dataset_record_version
    where dataset_id = ${ref.datasetId} and valid_from <= ${ref.version}
      and (valid_to is null or valid_to > ${ref.version})`;
}

/** How many rows without outputs an error message names. */
const SHOWN = 20;

/** How many records the version has, and the first row indexes (up to 20) without outputs: one pass. */
export async function datasetRowsSummary(
  db: Executor,
  ref: DatasetVersionRef,
): Promise<{ total: number; withoutOutputs: number; firstWithoutOutputs: number[] }> {
  const { rows } = await sql<{ total: number; without: number; first: number[] | null }>`
    with r as (select outputs, (row_number() over (order by record_seq) - 1)::int as i from (${recordsAt(ref)}) v)
    select count(*)::int as total, count(*) filter (where outputs is null)::int as without,
           (select array_agg(i order by i) from (select i from r where outputs is null order by i limit ${SHOWN}) f) as first
    from r`.execute(db);
  const row = rows[0]!;
  return { total: row.total, withoutOutputs: row.without, firstWithoutOutputs: row.first ?? [] };
}

/**
 * Copies the version's records into `runId`'s rows: inputs, expectations, the record id as the
 * request id, and the recorded outputs when no target will produce them. Returns the rows written.
 */
export async function copyDatasetRows(db: Executor, runId: string, ref: DatasetVersionRef, hasTarget: boolean): Promise<number> {
  const result = await sql`
    insert into assay.evaluation_row (run_id, row_index, inputs, outputs, expectations, request_id, output_recorded)
    select ${runId}, (row_number() over (order by record_seq) - 1)::int, inputs,
           case when ${hasTarget} then null else outputs end, expectations, record_id, ${!hasTarget}
    from (${recordsAt(ref)}) v`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
