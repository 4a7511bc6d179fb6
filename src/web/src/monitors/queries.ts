/** Monitor queries: the config (with its etag), runs, trends and the scorer catalogue. */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, ok } from '../api/client';

export function useMonitor(experimentId: string) {
  return useQuery({
    queryKey: ['monitor', experimentId],
    queryFn: async () => {
      try {
        return ok(await api.GET('/api/v1/experiments/{id}/monitor', { params: { path: { id: experimentId } } }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    enabled: Boolean(experimentId),
  });
}

export type Monitor = NonNullable<NonNullable<ReturnType<typeof useMonitor>['data']>>;
export type MonitorConfig = Monitor['config'];
export type MonitorScorer = MonitorConfig['scorers'][number];

/** The latest 50 runs started within the page's time range. */
export function useRuns(experimentId: string, bounds: { from?: number; to?: number }) {
  return useQuery({
    queryKey: ['monitor-runs', experimentId, bounds.from, bounds.to],
    queryFn: async () =>
      ok(await api.GET('/api/v1/experiments/{id}/monitor/runs', {
        params: {
          path: { id: experimentId },
          query: {
            max_results: 50,
            ...(bounds.from !== undefined ? { start_time: new Date(bounds.from).toISOString() } : {}),
            ...(bounds.to !== undefined ? { end_time: new Date(bounds.to).toISOString() } : {}),
          },
        },
      })).runs,
    enabled: Boolean(experimentId),
    // Live while a run is active.
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'queued' || r.status === 'running') ? 1500 : false),
  });
}

export type Run = NonNullable<ReturnType<typeof useRuns>['data']>[number];

export function useTrends(experimentId: string, bucket: 'run' | 'hour', bounds: { from?: number; to?: number }, live: boolean) {
  return useQuery({
    queryKey: ['monitor-trends', experimentId, bucket, bounds.from, bounds.to],
    queryFn: async () =>
      ok(await api.GET('/api/v1/experiments/{id}/monitor/trends', {
        params: {
          path: { id: experimentId },
          query: {
            bucket,
            max_points: 2000,
            ...(bounds.from !== undefined ? { start_time: new Date(bounds.from).toISOString() } : {}),
            ...(bounds.to !== undefined ? { end_time: new Date(bounds.to).toISOString() } : {}),
          },
        },
      })),
    enabled: Boolean(experimentId),
    refetchInterval: live ? 3000 : false,
  });
}

export function useScorerCatalogue() {
  return useQuery({
    queryKey: ['scorers'],
    queryFn: async () => ok(await api.GET('/api/v1/scorers')).scorers,
    staleTime: Infinity,
  });
}
