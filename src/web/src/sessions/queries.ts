/** Session queries: the experiment's sessions a page at a time, and one session's turns. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

export const PAGE_SIZE = 100;

export interface SessionListSearch {
  experimentId: string;
  /** The filter language; a session is listed when one of its traces matches. */
  filter: string | undefined;
  user: string | undefined;
}

async function listPage(search: SessionListSearch, pageToken: string | undefined) {
  return ok(
    await api.GET('/api/v1/experiments/{id}/sessions', {
      params: {
        path: { id: search.experimentId },
        query: {
          max_results: PAGE_SIZE,
          ...(search.filter ? { filter_string: search.filter } : {}),
          ...(search.user ? { user_id: search.user } : {}),
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      },
    }),
  );
}

export type SessionSummary = Awaited<ReturnType<typeof listPage>>['sessions'][number];

export function useSessionList(search: SessionListSearch) {
  return useInfiniteQuery({
    queryKey: ['sessions', search],
    queryFn: ({ pageParam }) => listPage(search, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_page_token ?? undefined,
    enabled: Boolean(search.experimentId),
  });
}

/** How many sessions the list holds over all its pages (up to 10,000): one small request beside the first page. */
export function useSessionCount(search: SessionListSearch) {
  return useQuery({
    queryKey: ['session-count', search],
    queryFn: async () =>
      ok(
        await api.POST('/api/v1/experiments/{id}/sessions/count', {
          params: { path: { id: search.experimentId } },
          body: { ...(search.filter ? { filter_string: search.filter } : {}), ...(search.user ? { user_id: search.user } : {}) },
        }),
      ),
    enabled: Boolean(search.experimentId),
    retry: false,
  });
}

async function sessionPage(experimentId: string, sessionId: string, pageToken: string | undefined) {
  return ok(
    await api.GET('/api/v1/experiments/{id}/sessions/{sessionId}', {
      params: { path: { id: experimentId, sessionId }, query: { max_results: 500, ...(pageToken ? { page_token: pageToken } : {}) } },
    }),
  );
}

export type SessionView = Awaited<ReturnType<typeof sessionPage>>;
export type ConversationTurn = SessionView['conversation'][number];

/** One session with all its turns (pages of 500 are fetched one after the other). */
export function useSession(experimentId: string, sessionId: string) {
  return useQuery({
    queryKey: ['session', experimentId, sessionId],
    enabled: Boolean(experimentId),
    queryFn: async () => {
      let page = await sessionPage(experimentId, sessionId, undefined);
      const all = { ...page, traces: [...page.traces], conversation: [...page.conversation] };
      while (page.next_page_token) {
        page = await sessionPage(experimentId, sessionId, page.next_page_token);
        all.traces.push(...page.traces);
        all.conversation.push(...page.conversation);
      }
      return all;
    },
  });
}
