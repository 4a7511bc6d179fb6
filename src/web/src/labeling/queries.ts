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

/** What a schema's value should be, or why the answer does not fit (the same rules the API documents). */
export function labelProblem(schema: LabelSchema, value: unknown): string | null {
  switch (schema.type) {
    case 'yes_no':
      return value === 'yes' || value === 'no' ? null : 'choose yes or no';
    case 'numeric':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return value < schema.min! || value > schema.max! ? `must be between ${schema.min} and ${schema.max}` : null;
    case 'categorical':
      return typeof value === 'string' && schema.options!.includes(value) ? null : `choose one of ${schema.options!.join(', ')}`;
    case 'text':
      if (schema.multiple) return Array.isArray(value) && value.length > 0 ? null : 'give at least one line';
      return typeof value === 'string' && value.trim() !== '' ? null : 'must not be empty';
  }
}
