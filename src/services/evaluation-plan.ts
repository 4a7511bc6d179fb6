/**
 * How an evaluation run's rows divide among jobs: its rows are dealt round-robin (by row index)
 * into slices, one `evaluation.rows` job each; each slice runs `concurrency ÷ slices` rows at a
 * time, so the run never has more than `concurrency` rows in flight however many workers take
 * its jobs.
 */
import type { EvaluationRunRow } from '../storage/evaluation-repository.ts';

/** Rows one slice job runs at a time at most. */
export const LANES_PER_SLICE = 8;

/** How a run's rows are divided among jobs, from what the run row fixes. */
export function slicing(run: Pick<EvaluationRunRow, 'concurrency' | 'rows_total'>): { slices: number; lanes: number } {
  const slices = Math.max(1, Math.min(Math.ceil(run.concurrency / LANES_PER_SLICE), run.rows_total));
  return { slices, lanes: Math.max(1, Math.ceil(run.concurrency / slices)) };
}
