/**
 * One chunk of a monitoring run: sample, score, attach feedback, copy every trace.
 *
 * Each (trace, monitor scorer) gets exactly one feedback, whatever retries, crashes or duplicate
 * deliveries happen: the feedback's idempotency key is that pair, results are written as soon as
 * each judge answers, and a retried chunk skips pairs already stored — so nothing stored is judged
 * twice. The copy and the chunk's completion commit together.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../services/context.ts';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { traceFeedbackKey } from '../domain/feedback-key.ts';
import { scorerRate, type MonitorConfig } from '../domain/monitor-config.ts';
import { isSampled } from '../domain/sampling.ts';
import { monitorChunkDuration, monitorFeedbackLag, monitorJudgeCalls, monitorTracesCopied } from '../observability/monitor-metrics.ts';
import type { JudgeAttempt } from '../scorers/judge-client.ts';
import { buildScorer, scorerLevel } from '../scorers/registry.ts';
import { feedbackWrite, newAssessmentId, storedIdempotencyKeys } from '../storage/assessment-repository.ts';
import { recordRunCalls, type RunCall } from '../storage/monitor-run-calls.ts';
import { writeRunFeedback, type RunFeedbackItem } from '../storage/monitor-feedback-write.ts';
import { BatchWriter } from './batch-writer.ts';
import type { RunCounts } from '../storage/monitor-schema.ts';
import type { MonitorRunRow } from '../storage/monitor-repository.ts';
import { findBackfillBudget } from '../storage/backfill-budget-repository.ts';
import { chunkDone, chunkTraceIds, markChunkDone } from '../storage/monitor-run-repository.ts';
import { copyTraces } from '../storage/results-table.ts';
import { chunkBudget } from './monitor-budget.ts';
import { tracesMatching } from './monitor-filters.ts';
import { emptyScorerCounts } from './monitor-counts.ts';
import { scoreSessionChunk } from './monitor-sessions.ts';
import { pendingRunCalls } from './pending-run-calls.ts';
import { runPoolFrom } from './pool.ts';
import { slottedTasks, TaskSource, type MonitorScorerPlan, type Task } from './monitor-tasks.ts';

/** Scores and copies one chunk of a running run; a chunk already done (or not in the run) is left alone. */
export async function runChunk(ctx: AppContext, run: MonitorRunRow, chunk: number, signal: AbortSignal): Promise<void> {
  const runId = run.run_id;
  if ((await chunkDone(ctx.db, runId, chunk)) !== false) return;
  const stopTimer = monitorChunkDuration.startTimer();
  const traceIds = await chunkTraceIds(ctx.db, runId, chunk);

  const counts: RunCounts = { judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0, assessments_written: 0, scorers: {}, errors: [] };
  const pairs = await planPairs(ctx, run.experiment_id, run.config, traceIds, counts);
  const own = run.kind === 'backfill' ? await findBackfillBudget(ctx.db, runId) : undefined;
  // The judge calls the budget may be asked for grow as each batch of traces is found applicable.
  const budget = await chunkBudget(ctx, run.experiment_id, run.config.budget, traceIds, 0, own && { runId, limits: own.limits });
  if (pairs.size > 0) {
    const { judge } = ctx.judge;
    // This execution of the chunk: its calls are recorded under it, so a retry's calls add to them
    // and a retried write of the same record does not.
    const attemptId = randomUUID();
    const pending = pendingRunCalls(ctx);
    const writer = new BatchWriter<RunFeedbackItem>((items) => writeBatch(ctx, runId, items, counts));
    try {
      const lanes = ctx.config.judge.concurrency * 2;
      await runPoolFrom(slottedTasks(ctx, new TaskSource(ctx, pairs, counts, budget), signal), lanes, signal, async ({ task, release }) => {
        try {
          await scoreTask(task);
        } finally {
          release();
        }
      });
      async function scoreTask(task: Task): Promise<void> {
        if (!(await budget.admit(task.trace.info.trace_id, task.entry.name, task.scorer.kind))) return;
        const call: RunCall = {
          run_id: runId,
          scorer: task.entry.name,
          trace_id: task.trace.info.trace_id,
          attempt_id: attemptId,
          judge_calls: 0,
          input_tokens: 0,
          output_tokens: 0,
          cost: 0,
          stored: false,
        };
        let recorded = false;
        try {
          const drafts = await task.scorer.score(task.input, { judge, signal, onJudgeAttempt: (attempt) => addAttempt(call, attempt) });
          await writeFeedback(writer, run.experiment_id, runId, task, drafts, call, counts);
          recorded = true;
          budget.spent(drafts);
        } finally {
          // Lost feedback, paid calls: their cost is recorded on its own (and the pair judged again).
          if (!recorded && call.judge_calls > 0) await pending.add([call]);
        }
      }
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
    await markChunkDone(trx, runId, chunk, counts);
  });
  monitorTracesCopied.inc(counts.traces_copied ?? 0);
  stopTimer();
  ctx.log.info({ run_id: runId, chunk, traces: traceIds.length, judge_calls: counts.judge_calls }, 'monitor chunk done');
}

/** Which (trace, scorer) pairs to score: filters, coordinated sample, not already stored (by trace id, in the chunk's order). */
async function planPairs(
  ctx: AppContext,
  experimentId: number,
  config: MonitorConfig,
  traceIds: string[],
  counts: RunCounts,
): Promise<Map<string, MonitorScorerPlan[]>> {
  const sampled = new Map<string, MonitorScorerPlan[]>();
  for (const entry of config.scorers.filter((e) => scorerLevel(e) === 'trace')) {
    const plan = { entry, scorer: buildScorer(entry, { model: ctx.config.judge.model }) };
    const tally = (counts.scorers![entry.name] = emptyScorerCounts());
    const filters = [config.filter_string, entry.filter_string].filter((f): f is string => Boolean(f));
    const eligible = filters.length ? await tracesMatching(ctx.db, traceIds, filters, ctx.config.searchTimeoutMs) : null;
    for (const traceId of traceIds) {
      if ((eligible && !eligible.has(traceId)) || !isSampled(traceId, scorerRate(config, entry))) continue;
      tally.sampled += 1;
      sampled.set(traceId, [...(sampled.get(traceId) ?? []), plan]);
    }
  }

  // A pair whose feedback is stored was judged by an earlier attempt: never again.
  const stored = await storedKeys(ctx, [...sampled].flatMap(([id, plans]) => plans.map((p) => traceFeedbackKey(experimentId, p.entry.name, id))));
  const pending = new Map<string, MonitorScorerPlan[]>();
  for (const [traceId, plans] of sampled) {
    const left = plans.filter((p) => !stored.has(traceFeedbackKey(experimentId, p.entry.name, traceId)));
    for (const p of plans) if (!left.includes(p)) counts.scorers![p.entry.name]!.skipped_existing += 1;
    if (left.length) pending.set(traceId, left);
  }
  return pending;
}

async function storedKeys(ctx: AppContext, keys: string[]): Promise<Set<string>> {
  return storedIdempotencyKeys(ctx.db, keys);
}

async function writeBatch(ctx: AppContext, runId: string, items: RunFeedbackItem[], counts: RunCounts): Promise<void> {
  const { written, late } = await writeRunFeedback(ctx.db, runId, items);
  counts.assessments_written! += written.size;
  // A straggler of an attempt that failed, committing after its run ended: counted all the same.
  if (late.length > 0) await recordRunCalls(ctx.db, late);
}

function addAttempt(call: RunCall, attempt: JudgeAttempt): void {
  call.judge_calls += 1;
  call.input_tokens += attempt.input_tokens;
  call.output_tokens += attempt.output_tokens;
  call.cost += attempt.cost;
}

async function writeFeedback(
  writer: BatchWriter<RunFeedbackItem>,
  experimentId: number,
  runId: string,
  task: Task,
  drafts: FeedbackDraft[],
  call: RunCall,
  counts: RunCounts,
): Promise<void> {
  const traceId = task.trace.info.trace_id;
  const writes = drafts.map((draft, i) => ({
    ...feedbackWrite(
      traceId,
      { ...draft, metadata: { ...draft.metadata, 'assay.monitor.run_id': runId } },
      traceFeedbackKey(experimentId, task.entry.name, traceId, i),
    ),
    // Known before the insert, so the batch can tell which pairs it stored and which were there already.
    assessment_id: newAssessmentId(),
  }));
  await writer.add({ writes, call });
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
  counts.judge_calls! += call.judge_calls;
  counts.input_tokens! += Number(call.input_tokens);
  counts.output_tokens! += Number(call.output_tokens);
  counts.cost! += call.cost;
  monitorFeedbackLag.observe(Math.max(0, (Date.now() - task.trace.info.request_time) / 1000));
}
