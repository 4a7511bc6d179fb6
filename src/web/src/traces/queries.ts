/** Trace queries: one search request per page of traces, with their feedback. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import type { components } from '../api/schema';

export type TraceInfo = NonNullable<Awaited<ReturnType<typeof searchPage>>['traces']>[number];
export type Assessment = NonNullable<TraceInfo['assessments']>[number];
export type _Components = components;

export const PAGE_SIZE = 100;

export interface TraceSearch {
  experimentId: string;
  filter: string | undefined;
  order: string | undefined;
}

async function searchPage(search: TraceSearch, pageToken: string | undefined) {
  return ok(
    await api.POST('/api/v1/traces/search', {
      body: {
        experiment_ids: [search.experimentId],
        ...(search.filter ? { filter_string: search.filter } : {}),
        ...(search.order ? { order_by: [search.order] } : {}),
        max_results: PAGE_SIZE,
        ...(pageToken ? { page_token: pageToken } : {}),
      },
    }),
  );
}

export function useTraceSearch(search: TraceSearch) {
  return useInfiniteQuery({
    queryKey: ['traces', search],
    queryFn: ({ pageParam }) => searchPage(search, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_page_token ?? undefined,
    enabled: Boolean(search.experimentId),
  });
}

/** How many traces match (up to 10,000): one small request beside the first page. */
export function useTraceCount(search: Omit<TraceSearch, 'order'>) {
  return useQuery({
    queryKey: ['trace-count', search.experimentId, search.filter],
    queryFn: async () =>
      ok(await api.POST('/api/v1/traces/count', { body: { experiment_ids: [search.experimentId], ...(search.filter ? { filter_string: search.filter } : {}) } })),
    enabled: Boolean(search.experimentId),
    retry: false,
  });
}

export function useTrace(traceId: string) {
  return useQuery({
    queryKey: ['trace', traceId],
    queryFn: async () => ok(await api.GET('/api/v1/traces/{traceId}', { params: { path: { traceId } } })),
  });
}
