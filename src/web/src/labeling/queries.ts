/** Labeling session queries: the sessions of an experiment, one session, its traces with their labels. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

export function useSessions(experimentId: string) {
  return useQuery({
    queryKey: ['labeling-sessions', experimentId],
    enabled: Boolean(experimentId),
    queryFn: async () => ok(await api.GET('/api/v1/labeling-sessions', { params: { query: { experiment_id: experimentId } } })).labeling_sessions,
  });
}

export type Session = NonNullable<ReturnType<typeof useSessions>['data']>[number];
export type LabelSchema = Session['label_schemas'][number];

export function useSession(id: string) {
  return useQuery({
    queryKey: ['labeling-session', id],
    queryFn: async () => ok(await api.GET('/api/v1/labeling-sessions/{id}', { params: { path: { id } } })),
  });
}

/** Every trace of the session with its labels (pages of 500, all loaded: a labeler moves through them). */
export function useSessionTraces(id: string) {
  return useInfiniteQuery({
    queryKey: ['labeling-traces', id],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(await api.GET('/api/v1/labeling-sessions/{id}/traces', { params: { path: { id }, query: { max_results: 500, ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token,
  });
}

export type SessionTrace = NonNullable<ReturnType<typeof useSessionTraces>['data']>['pages'][number]['traces'][number];

export { labelProblem } from '../lib/labels';
