/** Dataset queries: the list, one dataset, a version's records (paged, searchable), versions and diffs. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok, type ResponseOf } from '../api/client';

export type DatasetRecord = ResponseOf<'/api/v1/datasets/{name}/records', 'get'>['records'][number];
export type RunUsingDataset = ResponseOf<'/api/v1/datasets/{name}', 'get'>['evaluation_runs'][number];

export function useDatasets() {
  return useQuery({
    queryKey: ['datasets'],
    queryFn: async () => ok(await api.GET('/api/v1/datasets', { params: { query: { max_results: 1000, order_by: 'last_update_time DESC' } } })).datasets,
  });
}

export function useDataset(name: string) {
  return useQuery({
    queryKey: ['dataset', name],
    queryFn: async () => {
      const data = ok(await api.GET('/api/v1/datasets/{name}', { params: { path: { name } } }));
      return { dataset: data.dataset, runs: data.evaluation_runs };
    },
  });
}

export function useRecords(name: string, version: number | undefined, search: string | undefined) {
  return useInfiniteQuery({
    queryKey: ['dataset-records', name, version, search],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const data = ok(await api.GET('/api/v1/datasets/{name}/records', {
        params: { path: { name }, query: { max_results: 500, ...(version !== undefined ? { version } : {}), ...(search ? { search } : {}), ...(pageParam ? { page_token: pageParam } : {}) } },
      }));
      return data;
    },
    getNextPageParam: (last) => last.next_page_token,
  });
}

export type DatasetVersion = ResponseOf<'/api/v1/datasets/{name}/versions', 'get'>['versions'][number];

export function useVersions(name: string) {
  return useQuery({
    queryKey: ['dataset-versions', name],
    queryFn: async () => ok(await api.GET('/api/v1/datasets/{name}/versions', { params: { path: { name } } })).versions,
  });
}

export function useDiff(name: string, from: number | undefined, to: number | undefined) {
  return useInfiniteQuery({
    queryKey: ['dataset-diff', name, from, to],
    enabled: from !== undefined,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(await api.GET('/api/v1/datasets/{name}/diff', {
        params: { path: { name }, query: { from: from!, ...(to !== undefined ? { to } : {}), max_results: 200, ...(pageParam ? { page_token: pageParam } : {}) } },
      })),
    getNextPageParam: (last) => last.next_page_token,
  });
}

/** Where a record came from, as a label and a link target. */
export function sourceOf(r: Pick<DatasetRecord, 'source'>): { label: string; traceId?: string; href?: string } {
  const s = r.source;
  if (!s) return { label: '—' };
  if ('trace' in s) return { label: s.trace.trace_id, traceId: s.trace.trace_id };
  if ('document' in s) return { label: s.document.doc_uri, ...(/^https?:/.test(s.document.doc_uri) ? { href: s.document.doc_uri } : {}) };
  return { label: `by ${s.human.user_name}` };
}

export const compact = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
