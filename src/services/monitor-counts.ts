/**
 * A monitoring run's counts: the chunks' counts summed, and what was written taken from the stored
 * feedback itself.
 */
import type { RunCounts, ScorerCounts } from '../storage/monitor-schema.ts';
import type { StoredRunFeedback } from '../storage/monitor-run-counts.ts';

export function sumCounts(parts: readonly RunCounts[]): RunCounts {
  const total: RunCounts = { traces_copied: 0, judge_calls: 0, repeated_judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0, assessments_written: 0, scorers: {}, errors: [] };
  for (const part of parts) {
    total.traces_copied! += part.traces_copied ?? 0;
    total.judge_calls! += part.judge_calls ?? 0;
    total.repeated_judge_calls! += part.repeated_judge_calls ?? 0;
    total.input_tokens! += part.input_tokens ?? 0;
    total.output_tokens! += part.output_tokens ?? 0;
    total.cost! += part.cost ?? 0;
    total.assessments_written! += part.assessments_written ?? 0;
    if (part.session_calls) {
      const into = (total.session_calls ??= { judge_calls: 0, input_tokens: 0, output_tokens: 0, cost: 0 });
      for (const key of Object.keys(into) as Array<keyof typeof into>) into[key] += part.session_calls[key];
    }
    for (const [name, c] of Object.entries(part.scorers ?? {})) {
      const into = (total.scorers![name] ??= emptyScorerCounts());
      for (const key of Object.keys(into) as Array<keyof ScorerCounts>) into[key] += c[key] ?? 0;
    }
    total.errors!.push(...(part.errors ?? []));
  }
  total.errors = total.errors!.slice(0, 50);
  return total;
}

/**
 * The chunks' sums, with what was written taken from the rows themselves: an attempt that crashed
 * after storing feedback leaves no counts of its own, and the attempt that finished the chunk saw
 * those pairs as already stored. Sampling and applicability are decided afresh by every attempt, so
 * the last one's figures are exact; a sampled pair this run did not write was stored before it.
 */
export function withStoredFeedback(counts: RunCounts, stored: StoredRunFeedback): RunCounts {
  const scorers: Record<string, ScorerCounts> = {};
  for (const name of new Set([...Object.keys(counts.scorers ?? {}), ...Object.keys(stored.scorers)])) {
    const planned = counts.scorers?.[name] ?? emptyScorerCounts();
    const { scored, errored } = stored.scorers[name] ?? { scored: 0, errored: 0 };
    const skipped = Math.max(0, planned.sampled - planned.not_applicable - (planned.deferred ?? 0) - scored - errored);
    scorers[name] = { ...planned, scored, errored, skipped_existing: skipped };
  }
  return { ...counts, assessments_written: stored.assessments, scorers };
}

export function emptyScorerCounts(): ScorerCounts {
  return { sampled: 0, scored: 0, errored: 0, not_applicable: 0, skipped_existing: 0, deferred: 0 };
}
