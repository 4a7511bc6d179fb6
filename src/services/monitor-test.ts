/**
 * `POST …/monitor/test`: runs the scorers on the latest traces without writing anything and says,
 * per scorer, how many traces it applies to, which it does not and why, and what it answered.
 * This is how a user learns that a retrieval scorer does nothing on traces without RETRIEVER spans.
 */
import type { AppContext } from '../services/context.ts';
import { scorerRate } from '../domain/monitor-config.ts';
import type { ScorerEntry } from '../domain/scorer-entry.ts';
import { isSampled } from '../domain/sampling.ts';
import { buildScorer } from '../scorers/registry.ts';
import { scorerInputFromTrace } from '../scorers/scorer-input.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { findMonitor } from '../storage/monitor-repository.ts';
import { latestFinishedTraceIds, loadStoredTraces } from '../storage/trace-repository.ts';
import { parseMonitorConfig } from './monitor-config.ts';
import { budgetAllowance } from './monitor-budget.ts';
import { tracesMatching } from './monitor-filters.ts';
import { runPool } from './pool.ts';
import type { JudgeClient } from '../scorers/judge-client.ts';
import { invalid } from '../domain/errors.ts';

export interface ScorerTestReport {
  name: string;
  type: string;
  traces: number;
  applied: number;
  not_applicable: number;
  filtered_out: number;
  /** Of the applied traces, those a run samples at the scorer's rate. */
  sampled: number;
  reasons: Record<string, number>;
  errors: string[];
  samples: Array<{ trace_id: string; value: unknown; rationale: string | null; error: unknown }>;
}

export async function testMonitor(
  ctx: AppContext,
  experimentId: string,
  body: { max_traces?: number; scorers?: unknown[]; filter_string?: string },
  signal?: AbortSignal,
): Promise<{ traces: number; run_judge_calls: number; budget: Awaited<ReturnType<typeof budgetAllowance>>; scorers: ScorerTestReport[] }> {
  const experiment = await getExperiment(ctx.db, experimentId);
  const id = Number(experiment.experiment_id);
  const maxTraces = body.max_traces ?? 10;
  if (!Number.isInteger(maxTraces) || maxTraces < 1 || maxTraces > 200) throw invalid('max_traces: must be an integer from 1 to 200');
  const monitor = await findMonitor(ctx.db, id);
  const config = body.scorers
    ? parseMonitorConfig({ results_schema: 'test', sample: monitor?.config.sample, scorers: body.scorers })
    : monitor?.config;
  const scorers = config?.scorers ?? [];
  if (scorers.length === 0) throw invalid('scorers: give scorers, or create the monitor first');
  const monitorFilter = body.filter_string ?? monitor?.config.filter_string;

  const traces = await loadStoredTraces(ctx.db, await latestFinishedTraceIds(ctx.db, id, maxTraces));
  const { judge } = ctx.judge;
  const reports: ScorerTestReport[] = [];
  let runJudgeCalls = 0;
  const spend = { calls: 0, tokens: 0, cost: 0, priced: true };
  for (const entry of scorers) {
    const { report, judgeCalls } = await testOne(ctx, entry, scorerRate(config!, entry), traces, monitorFilter, judge, signal, spend);
    reports.push(report);
    runJudgeCalls += judgeCalls;
  }
  // What this test's own judge calls took, per call: how far the token and dollar limits reach.
  const perCall = spend.calls > 0 ? { tokens: spend.tokens / spend.calls, cost: spend.priced ? spend.cost / spend.calls : null } : undefined;
  const budget = await budgetAllowance(ctx, id, monitor?.config.budget, runJudgeCalls, perCall);
  return { traces: traces.length, run_judge_calls: runJudgeCalls, budget, scorers: reports };
}

async function testOne(
  ctx: AppContext,
  entry: ScorerEntry,
  rate: number,
  traces: Awaited<ReturnType<typeof loadStoredTraces>>,
  monitorFilter: string | undefined,
  judge: JudgeClient,
  signal: AbortSignal | undefined,
  spend: { calls: number; tokens: number; cost: number; priced: boolean },
): Promise<{ report: ScorerTestReport; judgeCalls: number }> {
  const scorer = buildScorer(entry, { model: ctx.config.judge.model });
  const filters = [monitorFilter, entry.filter_string].filter((f): f is string => Boolean(f));
  const ids = traces.map((t) => t.info.trace_id);
  const eligible = filters.length ? await tracesMatching(ctx.db, ids, filters, ctx.config.searchTimeoutMs) : new Set(ids);
  const report: ScorerTestReport = {
    name: entry.name, type: scorer.type, traces: traces.length, applied: 0, not_applicable: 0,
    filtered_out: traces.length - eligible.size, sampled: 0, reasons: {}, errors: [], samples: [],
  };
  const runnable = traces.filter((trace) => {
    if (!eligible.has(trace.info.trace_id)) return false;
    const applicability = scorer.applicability(scorerInputFromTrace(trace));
    if (applicability.applies) return true;
    report.not_applicable += 1;
    report.reasons[applicability.reason] = (report.reasons[applicability.reason] ?? 0) + 1;
    return false;
  });
  report.applied = runnable.length;
  report.sampled = runnable.filter((trace) => isSampled(trace.info.trace_id, rate)).length;
  await runPool(runnable, 8, signal, async (trace) => {
    const drafts = await scorer.score(scorerInputFromTrace(trace), { judge, signal });
    for (const d of drafts) {
      const meta = d.metadata ?? {};
      if (scorer.kind === 'llm_judge' && meta['assay.judge.input_tokens'] !== undefined) {
        spend.calls += 1;
        spend.tokens += Number(meta['assay.judge.input_tokens']) + Number(meta['assay.judge.output_tokens'] ?? 0);
        if (meta['assay.judge.cost'] === undefined) spend.priced = false;
        else spend.cost += Number(meta['assay.judge.cost']);
      }
      if (d.error) report.errors.push(`${trace.info.trace_id}: ${d.error.error_code}: ${d.error.error_message}`);
      if (report.samples.length < 5) {
        report.samples.push({ trace_id: trace.info.trace_id, value: d.value, rationale: d.rationale, error: d.error });
      }
    }
  });
  return { report, judgeCalls: scorer.kind === 'llm_judge' ? report.sampled : 0 };
}

