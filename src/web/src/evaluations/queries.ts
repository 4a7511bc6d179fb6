/** Evaluation queries: runs (live while active), a run's rows, and the comparison of two runs. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

export interface Verdict {
  name: string;
  scorer: string;
  value: unknown;
  rationale: string | null;
  error: { error_code: string; error_message: string } | null;
}

export interface RunSummary {
  run_id: string;
  name: string | null;
  experiment_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | string;
  dataset: { name: string; version: number | null } | null;
  target: { type: string; model?: string; url?: string; base_url?: string } | null;
  rows: number;
  counts: { rows?: number; done?: number; errored?: number; passed?: number; failed?: number };
  metrics: Record<string, number>;
  create_time: string;
  end_time: string | null;
}

export interface RunView extends Omit<RunSummary, 'rows' | 'counts'> {
  scorers: Array<{ name: string; type?: string }>;
  progress: { rows: number; done: number; errored: number; passed: number; failed: number; pending: number; finished: number };
  error: string | null;
  created_by: string | null;
  start_time: string | null;
}

export interface RowView {
  row_index: number;
  status: 'pending' | 'done' | 'errored';
  inputs: Record<string, unknown>;
  outputs: unknown;
  expectations: Record<string, unknown> | null;
  trace_id: string | null;
  latency_ms: number | null;
  tokens: { input: number | null; output: number | null; total: number | null };
  cost: number | null;
  error: string | null;
  passed: boolean | null;
  failing_judges: string[];
  verdicts: Verdict[];
}

/** A run's target as a short label. */
export const targetLabel = (t: RunSummary['target']) => (t ? `${t.type} ${t.model ?? t.url ?? t.base_url ?? ''}`.trim() : 'none (records’ outputs)');

export const isActive = (status: string) => status === 'queued' || status === 'running';

export function useRuns(experimentId: string) {
  return useQuery({
    queryKey: ['evaluations', experimentId],
    enabled: Boolean(experimentId),
    queryFn: async () => (ok(await api.GET('/api/v1/evaluations', { params: { query: { experiment_id: experimentId, max_results: 500 } } })) as unknown as { runs: RunSummary[] }).runs,
    refetchInterval: (q) => (q.state.data?.some((r) => isActive(r.status)) ? 1500 : false),
  });
}

export function useRun(runId: string) {
  return useQuery({
    queryKey: ['evaluation', runId],
    queryFn: async () => (ok(await api.GET('/api/v1/evaluations/{id}', { params: { path: { id: runId } } })) as unknown as { run: RunView }).run,
    refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? 1500 : false),
  });
}

export function useRows(runId: string, failedJudge: string | undefined, live: boolean) {
  return useInfiniteQuery({
    queryKey: ['evaluation-rows', runId, failedJudge],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(await api.GET('/api/v1/evaluations/{id}/rows', { params: { path: { id: runId }, query: { max_results: 500, ...(failedJudge ? { failed_judge: failedJudge } : {}), ...(pageParam ? { page_token: pageParam } : {}) } } })) as unknown as { rows: RowView[]; next_page_token?: string },
    getNextPageParam: (last) => last.next_page_token,
    refetchInterval: live ? 2000 : false,
  });
}

export interface Comparison {
  runs: RunSummary[];
  metrics: Array<{ metric: string; values: Array<number | null>; delta: number | null }>;
  rows: {
    matched: number;
    only_in_a: number;
    only_in_b: number;
    regressions: RowChange[];
    improvements: RowChange[];
    unchanged: number;
    /** Every regression; `regressions` lists the first 1,000. */
    regression_count: number;
    /** Every improvement; `improvements` lists the first 1,000. */
    improvement_count: number;
  };
}

export interface RowChange {
  kind: 'regression' | 'improvement' | 'unchanged';
  inputs: Record<string, unknown>;
  row_indexes: [number, number];
  passed: [boolean | null, boolean | null];
  failing_judges: [string[], string[]];
}

export function useComparison(a: string | undefined, b: string | undefined) {
  return useQuery({
    queryKey: ['evaluation-compare', a, b],
    enabled: Boolean(a && b),
    queryFn: async () => ok(await api.GET('/api/v1/evaluations/compare', { params: { query: { run_ids: `${a},${b}` } } })) as unknown as Comparison,
  });
}

export { formatDelta, formatMetric } from '../lib/metrics';

/** The judges that gave a row a verdict, in the order of the run's scorers. */
export function judgeNames(rows: readonly RowView[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const v of r.verdicts) names.add(v.name);
  return [...names];
}
