/** Evaluation queries: runs (live while active), a run's rows, and the comparison of two runs. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';

export type RunSummary = ResponseOf<'/api/v1/evaluations', 'get'>['runs'][number];
export type RunView = ResponseOf<'/api/v1/evaluations/{id}', 'get'>['run'];
export type RowView = ResponseOf<'/api/v1/evaluations/{id}/rows', 'get'>['rows'][number];
export type Verdict = RowView['verdicts'][number];

/** A run's target as a short label. */
export const targetLabel = (t: RunSummary['target']) => (t ? `${t.type} ${t.model ?? t.url ?? t.base_url ?? ''}`.trim() : 'none (records’ outputs)');

export const isActive = (status: string) => status === 'queued' || status === 'running';

export function useRuns(experimentId: string) {
  return useQuery({
    queryKey: ['evaluations', experimentId],
    enabled: Boolean(experimentId),
    queryFn: async () => ok(await api.GET('/api/v1/evaluations', { params: { query: { experiment_id: experimentId, max_results: 500 } } })).runs,
    refetchInterval: (q) => (q.state.data?.some((r) => isActive(r.status)) ? 1500 : false),
  });
}

export function useRun(runId: string) {
  return useQuery({
    queryKey: ['evaluation', runId],
    queryFn: async () => ok(await api.GET('/api/v1/evaluations/{id}', { params: { path: { id: runId } } })).run,
    refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? 1500 : false),
  });
}

export function useRows(runId: string, failedJudge: string | undefined, live: boolean) {
  return useInfiniteQuery({
    queryKey: ['evaluation-rows', runId, failedJudge],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(await api.GET('/api/v1/evaluations/{id}/rows', { params: { path: { id: runId }, query: { max_results: 500, ...(failedJudge ? { failed_judge: failedJudge } : {}), ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token,
    refetchInterval: live ? 2000 : false,
  });
}

export type Comparison = ResponseOf<'/api/v1/evaluations/compare', 'get'>;
export type RowChange = Comparison['rows']['regressions'][number];

export function useComparison(a: string | undefined, b: string | undefined) {
  return useQuery({
    queryKey: ['evaluation-compare', a, b],
    enabled: Boolean(a && b),
    queryFn: async () => ok(await api.GET('/api/v1/evaluations/compare', { params: { query: { run_ids: `${a},${b}` } } })),
  });
}

export { formatDelta, formatMetric } from '../lib/metrics';

/** The judges that gave a row a verdict, in the order of the run's scorers. */
export function judgeNames(rows: readonly RowView[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const v of r.verdicts) names.add(v.name);
  return [...names];
}
