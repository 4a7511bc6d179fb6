/** The experiment's sessions (conversations): search by session id, user or the filter language, page on. */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { combineFilters, rangeBounds, rangeFilter, stableNow } from '../lib/time-range';
import type { SessionsSearch } from '../router';
import { sessionSearchFilter } from '../lib/sessions';
import { sessionCountLabel } from '../lib/trace-count';
import { useSessionCount, useSessionList } from './queries';
import { SessionTable } from './session-table';

export function SessionsPage() {
  const search = useSearch({ from: '/sessions' }) as SessionsSearch;
  const navigate = useNavigate({ from: '/sessions' });
  const [q, setQ] = useState(search.q ?? '');
  const [user, setUser] = useState(search.user ?? '');
  const [filterDraft, setFilterDraft] = useState(search.filter ?? '');
  const bounds = rangeBounds(search, stableNow(Date.now()));
  const filter = combineFilters(combineFilters(search.filter, sessionSearchFilter(search.q)), rangeFilter(bounds));
  const listSearch = { experimentId: search.exp ?? '', filter, user: search.user };
  const query = useSessionList(listSearch);
  const total = useSessionCount(listSearch);
  const sessions = useMemo(() => query.data?.pages.flatMap((p) => p.sessions) ?? [], [query.data]);
  const error = query.error instanceof ApiError && query.error.status === 400 ? query.error.message : query.error?.message ?? null;
  const { fetchNextPage } = query;
  const more = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  function apply(event: FormEvent) {
    event.preventDefault();
    void navigate({ search: (prev) => ({ ...prev, q: q.trim() || undefined, user: user.trim() || undefined, filter: filterDraft.trim() || undefined }) });
  }
  function clear() {
    setQ('');
    setUser('');
    setFilterDraft('');
    void navigate({ search: (prev) => ({ ...prev, q: undefined, user: undefined, filter: undefined }) });
  }

  return (
    <section aria-labelledby="sessions-title" className="sessions-page">
      <div className="page-head">
        <h1 id="sessions-title">Sessions</h1>
        <form className="filter-form session-search" onSubmit={apply} role="search" aria-label="Search sessions">
          <label htmlFor="session-q" className="visually-hidden">Session id contains</label>
          <input id="session-q" className="short-field" placeholder="session id contains…" value={q} onChange={(e) => setQ(e.target.value)} spellCheck={false} />
          <label htmlFor="session-user" className="visually-hidden">User id</label>
          <input id="session-user" className="short-field" placeholder="user id" value={user} onChange={(e) => setUser(e.target.value)} spellCheck={false} />
          <label htmlFor="session-filter" className="visually-hidden">Filter on the session’s traces</label>
          <input
            id="session-filter"
            className={error ? 'invalid' : ''}
            placeholder="feedback.user_frustration = 'yes'"
            value={filterDraft}
            onChange={(e) => setFilterDraft(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'sessions-error' : 'sessions-help'}
            spellCheck={false}
          />
          <button type="submit">Apply</button>
          {(search.q || search.user || search.filter) && <button type="button" className="link" onClick={clear}>Clear</button>}
        </form>
      </div>
      {error ? (
        <p id="sessions-error" className="field-error" role="alert">{error}</p>
      ) : (
        <p id="sessions-help" className="muted small">
          A session is listed when one of its traces matches the filter (the traces’ filter language) and the time range. Session-level
          feedback comes from the monitor’s session judges.
        </p>
      )}
      <div className="toolbar" aria-live="polite">
        {/* A rejected filter lists nothing: its message says so, not a count of 0. */}
        {!error && <span className="muted">{query.isPending ? 'Loading…' : sessionCountLabel(sessions.length, Boolean(query.hasNextPage), total.data)}</span>}
      </div>
      {!error && (
        <SessionTable
          sessions={sessions}
          hasMore={Boolean(query.hasNextPage)}
          loadingMore={query.isFetchingNextPage}
          loading={query.isPending}
          onMore={more}
          onOpen={(sessionId) => void navigate({ to: '/sessions/$sessionId', params: { sessionId }, search: (prev) => ({ exp: prev.exp, range: prev.range, from: prev.from, to: prev.to }) })}
        />
      )}
    </section>
  );
}
