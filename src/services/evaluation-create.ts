/**
 * Starting an evaluation run: validate the request (every problem named by its field), read the
 * data (pinning the dataset version for lineage), store the run and its rows, enqueue the run. A
 * dataset's records are copied into the rows by Postgres, never read whole into memory.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../services/context.ts';
import { AGGREGATIONS } from '../domain/evaluation-metrics.ts';
import { parseEvalRecord, type EvalRecord } from '../domain/evaluation-record.ts';
import { AssayError, invalid } from '../domain/errors.ts';
import { validateScorerEntries, type ScorerEntry } from '../scorers/registry.ts';
import { activeRunsOf, insertRows, insertRun, lockRunsOf, type EvaluationRunRow } from '../storage/evaluation-repository.ts';
import type { Executor } from '../storage/connect.ts';
import { createExperiment, getExperiment, listExperiments } from '../storage/experiment-repository.ts';
import { toJsonb } from '../storage/json.ts';
import { resolveVersion } from './datasets.ts';
import { parseDatasetName } from '../domain/dataset-name.ts';
import { getDatasetRow } from '../storage/dataset-repository.ts';
import { copyDatasetRows, datasetRowsSummary, type DatasetVersionRef } from '../storage/evaluation-dataset-rows.ts';
import { enqueueEvaluationRun } from '../queue/jobs.ts';
import { checkTarget, targetSchema } from './evaluation-target.ts';

/** Most inline records one request may carry. */
const MAX_INLINE_RECORDS = 50_000;

export const createEvaluationBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    experiment_id: z.union([z.string(), z.number()]).transform(String).optional(),
    data: z
      .object({
        name: z.string().min(1).optional(),
        version: z.number().int().min(0).optional(),
        records: z.array(z.unknown()).max(MAX_INLINE_RECORDS).optional(),
      })
      .strict()
      .refine((d) => (d.name === undefined) !== (d.records === undefined), 'give a dataset name or inline records, not both'),
    target: targetSchema.optional(),
    scorers: z.array(z.union([z.string().min(1), z.record(z.string(), z.unknown())])).min(1).max(50).optional(),
    /** Rows in flight at once across all workers. Default 8. */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Aggregations beyond `mean`. */
    metrics: z.array(z.enum(AGGREGATIONS)).optional(),
  })
  .strict();
export type CreateEvaluation = z.infer<typeof createEvaluationBody>;

export async function createEvaluation(ctx: AppContext, body: CreateEvaluation, user: string): Promise<EvaluationRunRow> {
  const scorers = body.scorers?.map((s) => (typeof s === 'string' ? { name: s } : s));
  const problems = scorers ? validateScorerEntries(scorers) : [];
  if (problems.length > 0) throw invalid(problems.join('; '), { problems });
  if (body.target) checkTarget(ctx.config, body.target);
  // Refused early, before the data is read; checked again under a lock where the run is stored.
  await checkRunLimit(ctx, ctx.db, user);

  const data = await readData(ctx, body.data);
  if (data.total === 0) throw invalid('data: there are no records to evaluate');
  if (!body.target) {
    const { lacking } = data;
    if (lacking.withoutOutputs > 0) {
      const more = lacking.withoutOutputs > lacking.firstWithoutOutputs.length ? `, … (${lacking.withoutOutputs} in all)` : '';
      throw invalid(`data: without a target every record must carry its outputs; rows ${lacking.firstWithoutOutputs.join(', ')}${more} have none`, {
        rows_without_outputs: lacking.firstWithoutOutputs,
      });
    }
  }
  const dataset = data.kind === 'dataset' ? data.dataset : null;
  const name = body.name ?? dataset?.name ?? 'inline';
  const experimentId = body.experiment_id ?? (await evaluationExperiment(ctx, name, user));
  if (body.experiment_id !== undefined) await getExperiment(ctx.db, body.experiment_id);

  const runId = `ev-${randomUUID().replaceAll('-', '')}`;
  const run = await ctx.db.transaction().execute(async (trx) => {
    // One creation per user at a time: requests sent at once cannot all pass the count.
    await lockRunsOf(trx, user);
    await checkRunLimit(ctx, trx, user);
    const inserted = await insertRun(trx, {
      run_id: runId,
      name,
      experiment_id: Number(experimentId),
      dataset_name: dataset?.name ?? null,
      dataset_version: dataset?.version ?? null,
      target: toJsonb(body.target ?? null),
      scorers: toJsonb((scorers as ScorerEntry[] | undefined) ?? null),
      aggregations: JSON.stringify(body.metrics ?? []),
      concurrency: body.concurrency,
      status: 'queued',
      rows_total: data.total,
      created_by: user,
    });
    // A dataset's records are copied inside Postgres; inline records came in the request anyway.
    if (data.kind === 'dataset') await copyDatasetRows(trx, runId, data.ref, body.target !== undefined);
    else await insertRows(trx, data.records.map((r, i) => inlineRow(runId, i, r, body.target !== undefined)));
    return inserted;
  });
  await enqueueEvaluationRun(ctx.queue, runId);
  ctx.log.info({ run_id: runId, rows: data.total, dataset: dataset?.name, version: dataset?.version }, 'evaluation run created');
  return run;
}

/** A RATE_LIMITED error when `user` already has ASSAY_EVALUATIONS_PER_TOKEN runs queued or running. */
async function checkRunLimit(ctx: AppContext, db: Executor, user: string): Promise<void> {
  const active = await activeRunsOf(db, user);
  if (active >= ctx.config.evaluationsPerToken) {
    throw new AssayError(
      'RATE_LIMITED',
      `'${user}' already has ${active} evaluation runs queued or running (ASSAY_EVALUATIONS_PER_TOKEN=${ctx.config.evaluationsPerToken}); wait for one to finish`,
    );
  }
}

/** Rows without outputs, counted and the first ones named: a run without a target cannot score them. */
interface Lacking {
  withoutOutputs: number;
  firstWithoutOutputs: number[];
}

type RunData =
  | { kind: 'dataset'; ref: DatasetVersionRef; dataset: { name: string; version: number }; total: number; lacking: Lacking }
  | { kind: 'inline'; records: EvalRecord[]; total: number; lacking: Lacking };

async function readData(ctx: AppContext, data: CreateEvaluation['data']): Promise<RunData> {
  if (data.name !== undefined) {
    const row = await getDatasetRow(ctx.db, parseDatasetName(data.name).full);
    const version = resolveVersion(row, data.version);
    const ref = { datasetId: Number(row.dataset_id), version };
    const { total, ...lacking } = await datasetRowsSummary(ctx.db, ref);
    return { kind: 'dataset', ref, dataset: { name: row.name, version }, total, lacking };
  }
  const problems: string[] = [];
  const records: EvalRecord[] = [];
  (data.records ?? []).forEach((raw, i) => {
    const parsed = parseEvalRecord(raw, `data.records[${i}]`);
    if (Array.isArray(parsed)) problems.push(...parsed);
    else records.push(parsed);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    throw invalid(shown.join('; ') + (problems.length > 20 ? `; … (${problems.length} problems in all)` : ''), { problems: shown });
  }
  return { kind: 'inline', records, total: records.length, lacking: recordsWithoutOutputs(records) };
}

/** Inline records that bring neither outputs, an error nor a trace. */
function recordsWithoutOutputs(records: readonly EvalRecord[]): Lacking {
  const lacking = records.flatMap((r, i) => (r.outputs === undefined && r.error === null && r.trace === null ? [i] : []));
  return { withoutOutputs: lacking.length, firstWithoutOutputs: lacking.slice(0, 20) };
}

function inlineRow(runId: string, index: number, r: EvalRecord, hasTarget: boolean) {
  return {
    run_id: runId,
    row_index: index,
    inputs: JSON.stringify(r.inputs),
    outputs: toJsonb(hasTarget ? null : (r.outputs ?? null)),
    expectations: JSON.stringify(r.expectations),
    retrieved_context: toJsonb(r.retrieved_context),
    given_trace: toJsonb(r.trace),
    request_id: r.request_id,
    // Rows that bring their output (or the caller's trace) never call a target.
    output_recorded: !hasTarget,
    error: r.error,
  };
}

/** The experiment `evaluation:<run name>`, created on first use. */
async function evaluationExperiment(ctx: AppContext, runName: string, user: string): Promise<string> {
  const experimentName = `evaluation:${runName}`;
  const [existing] = await listExperiments(ctx.db, { name: experimentName });
  if (existing) return existing.experiment_id;
  try {
    return (await createExperiment(ctx.db, { name: experimentName, created_by: user })).experiment_id;
  } catch {
    // Two runs creating it at once: the other one won.
    const [created] = await listExperiments(ctx.db, { name: experimentName });
    if (!created) throw new Error(`could not create experiment ${experimentName}`);
    return created.experiment_id;
  }
}
