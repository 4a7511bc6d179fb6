/**
 * One chunk of a monitoring run: sample, score, attach feedback, copy every trace.
 *
 * Each (trace, monitor scorer) gets exactly one feedback, whatever retries, crashes or duplicate
 * deliveries happen: the feedback's idempotency key is that pair, results are written as soon as
 * each judge answers, and a retried chunk skips pairs already stored — so nothing stored is judged
 * twice. The copy and the chunk's completion commit together.
 */
import type { AppContext } from '../services/context.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { scorerRate, type MonitorConfig, type MonitorScorer } from '../domain/monitor-config.ts';
import { isSampled } from '../domain/sampling.ts';
import type { StoredTrace } from '../domain/trace.ts';
import { monitorChunkDuration, monitorFeedbackLag, monitorJudgeCalls, monitorTracesCopied } from '../observability/monitor-metrics.ts';
import { buildScorer, scorerLevel, type Scorer } from '../scorers/registry.ts';
import { scorerInputFromTrace, type ScorerInput } from '../scorers/scorer-input.ts';
import { feedbackWrite, insertAssessments, type AssessmentWrite } from '../storage/assessment-repository.ts';
import { BatchWriter } from './batch-writer.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import { findRun } from '../storage/monitor-repository.ts';
import { copyTraces } from '../storage/results-table.ts';
import { loadStoredTraces } from '../storage/trace-repository.ts';
import { chunkBudget } from './monitor-budget.ts';
import { tracesMatching } from './monitor-filters.ts';
import { emptyScorerCounts, finishRunIfDone } from './monitor-plan.ts';
import { scoreSessionChunk } from './monitor-sessions.ts';
import { runPool } from './pool.ts';

/** The feedback key of one (trace, monitor scorer) pair; extra drafts of one call get a suffix. */
export function feedbackKey(experimentId: number, scorerName: string, traceId: string, draftIndex = 0): string {
  const base = `monitor:${experimentId}:${scorerName}:${traceId}`;
  return draftIndex === 0 ? base : `${base}#${draftIndex}`;
}

interface Task {
  trace: StoredTrace;
  input: ScorerInput;
  scorer: Scorer;
  entry: MonitorScorer;
}

interface MonitorScorerPlan {
  entry: MonitorScorer;
  scorer: Scorer;
}

export async function runChunk(ctx: AppContext, runId: string, chunk: number, signal: AbortSignal): Promise<void> {
  const done = await ctx.db
    .selectFrom('assay.monitor_run_chunk')
    .select('done')
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .executeTakeFirst();
  const run = await findRun(ctx.db, runId);
  if (!done || done.done || !run || run.status !== 'running') return;
  const stopTimer = monitorChunkDuration.startTimer();
  const traceIds = (
    await ctx.db.selectFrom('assay.monitor_run_trace').select('trace_id').where('run_id', '=', runId).where('chunk', '=', chunk).execute()
  ).map((r) => r.trace_id);

  const counts: RunCounts = { judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0, assessments_written: 0, scorers: {}, errors: [] };
  const tasks = await planTasks(ctx, run.experiment_id, run.config, traceIds, counts);
  const budget = await chunkBudget(ctx, run.experiment_id, run.config.budget, traceIds, tasks.filter((t) => t.scorer.kind === 'llm_judge').length);
  if (tasks.length > 0) {
    const { judge } = ctx.judge;
    // One item per (trace, scorer): its drafts always commit together.
    const writer = new BatchWriter<AssessmentWrite[]>(async (groups) => {
      // Read the total only after the insert: `total += await …` would read it first, and batches
      // committing at once would overwrite each other's additions.
      const written = (await insertAssessments(ctx.db, groups.flat())).length;
      counts.assessments_written! += written;
    });
    try {
      await runPool(tasks, ctx.config.judge.concurrency * 2, signal, async (task) => {
        if (!(await budget.admit(task.trace.info.trace_id, task.entry.name, task.scorer.kind))) return;
        const drafts = await task.scorer.score(task.input, { judge, signal });
        await writeFeedback(writer, run.experiment_id, runId, task, drafts, counts);
        budget.spent(drafts);
      });
    } finally {
      await writer.flush();
    }
  }
  // A chunk of idle sessions (for session judges) copies every turn of them.
  const sessionTraceIds = await scoreSessionChunk(ctx, run, chunk, signal, counts);
  signal.throwIfAborted();
  await budget.settle(runId, counts);

  await ctx.db.transaction().execute(async (trx) => {
    counts.traces_copied = await copyTraces(trx, run.config.results_schema, run.experiment_id, [...traceIds, ...sessionTraceIds]);
    await trx
      .updateTable('assay.monitor_run_chunk')
      .set({ done: true, counts: JSON.stringify(counts), finished_at: new Date() })
      .where('run_id', '=', runId)
      .where('chunk', '=', chunk)
      .execute();
  });
  monitorTracesCopied.inc(counts.traces_copied ?? 0);
  stopTimer();
  ctx.log.info({ run_id: runId, chunk, traces: traceIds.length, judge_calls: counts.judge_calls }, 'monitor chunk done');
  await finishRunIfDone(ctx, runId);
}

/** Which (trace, scorer) pairs to score: filters, coordinated sample, not already stored, applicable. */
async function planTasks(
  ctx: AppContext,
  experimentId: number,
  config: MonitorConfig,
  traceIds: string[],
  counts: RunCounts,
): Promise<Task[]> {
  const sampled = new Map<string, MonitorScorerPlan[]>();
  for (const entry of config.scorers.filter((e) => scorerLevel(e) === 'trace')) {
    const plan = { entry, scorer: buildScorer(entry as never, { model: ctx.config.judge.model }) };
    const tally = (counts.scorers![entry.name] = emptyScorerCounts());
    const filters = [config.filter_string, entry.filter_string].filter((f): f is string => Boolean(f));
    const eligible = filters.length ? await tracesMatching(ctx.db, traceIds, filters) : null;
    for (const traceId of traceIds) {
      if ((eligible && !eligible.has(traceId)) || !isSampled(traceId, scorerRate(config, entry))) continue;
      tally.sampled += 1;
      sampled.set(traceId, [...(sampled.get(traceId) ?? []), plan]);
    }
  }

  // A pair whose feedback is stored was judged by an earlier attempt: never again.
  const stored = await storedKeys(ctx, [...sampled].flatMap(([id, plans]) => plans.map((p) => feedbackKey(experimentId, p.entry.name, id))));
  const pending = new Map<string, MonitorScorerPlan[]>();
  for (const [traceId, plans] of sampled) {
    const left = plans.filter((p) => !stored.has(feedbackKey(experimentId, p.entry.name, traceId)));
    for (const p of plans) if (!left.includes(p)) counts.scorers![p.entry.name]!.skipped_existing += 1;
    if (left.length) pending.set(traceId, left);
  }

  const tasks: Task[] = [];
  for (const trace of await loadStoredTraces(ctx.db, [...pending.keys()])) {
    const input = scorerInputFromTrace(trace);
    for (const { entry, scorer } of pending.get(trace.info.trace_id) ?? []) {
      if (!scorer.applicability(input).applies) {
        counts.scorers![entry.name]!.not_applicable += 1;
        monitorJudgeCalls.inc({ scorer: entry.name, outcome: 'not_applicable' });
        continue;
      }
      tasks.push({ trace, input, scorer, entry });
    }
  }
  return tasks;
}

async function storedKeys(ctx: AppContext, keys: string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = await ctx.db
      .selectFrom('assay.assessment')
      .select('idempotency_key')
      .where('idempotency_key', 'in', keys.slice(i, i + 5000))
      .execute();
    for (const r of rows) if (r.idempotency_key) stored.add(r.idempotency_key);
  }
  return stored;
}

async function writeFeedback(
  writer: BatchWriter<AssessmentWrite[]>,
  experimentId: number,
  runId: string,
  task: Task,
  drafts: FeedbackDraft[],
  counts: RunCounts,
): Promise<void> {
  const traceId = task.trace.info.trace_id;
  const writes = drafts.map((draft, i) =>
    feedbackWrite(
      traceId,
      { ...draft, metadata: { ...draft.metadata, 'assay.monitor.run_id': runId } },
      feedbackKey(experimentId, task.entry.name, traceId, i),
    ),
  );
  await writer.add(writes);
  const tally = counts.scorers![task.entry.name]!;
  const failed = drafts.some((d) => d.error);
  if (failed) {
    tally.errored += 1;
    const error = drafts.find((d) => d.error)?.error;
    if (counts.errors!.length < 20) counts.errors!.push(`${task.entry.name} on ${traceId}: ${error?.error_code}: ${error?.error_message}`);
  } else {
    tally.scored += 1;
  }
  monitorJudgeCalls.inc({ scorer: task.entry.name, outcome: failed ? 'error' : 'ok' });
  for (const d of drafts) {
    const meta = d.metadata ?? {};
    if (meta['assay.judge.model'] !== undefined) counts.judge_calls! += 1;
    counts.input_tokens! += Number(meta['assay.judge.input_tokens'] ?? 0) || 0;
    counts.output_tokens! += Number(meta['assay.judge.output_tokens'] ?? 0) || 0;
    counts.cost! += Number(meta['assay.judge.cost'] ?? 0) || 0;
  }
  monitorFeedbackLag.observe(Math.max(0, (Date.now() - task.trace.info.request_time) / 1000));
}
