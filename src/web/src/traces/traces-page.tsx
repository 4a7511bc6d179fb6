/** The traces explorer: filter, sort, page, select and add to an evaluation dataset. */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { combineFilters, rangeBounds, rangeFilter, stableNow } from '../lib/time-range';
import { traceCountLabel } from '../lib/trace-count';
import type { TracesSearch } from '../router';
import { useCan } from '../shell/session';
import { AddToDataset, type Selection } from './add-to-dataset';
import { AddToSession } from './add-to-session';
import { useTraceCount, useTraceSearch } from './queries';
import { TraceTable } from './trace-table';

export function TracesPage() {
  const search = useSearch({ from: '/traces' }) as TracesSearch;
  const navigate = useNavigate({ from: '/traces' });
  const [draft, setDraft] = useState(search.filter ?? '');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [dialog, setDialog] = useState<'dataset' | 'session' | null>(null);
  const canWrite = useCan('writer');
  const now = stableNow(Date.now());
  const bounds = rangeBounds(search, now);
  const filter = combineFilters(search.filter, rangeFilter(bounds));
  const query = useTraceSearch({ experimentId: search.exp ?? '', filter, order: search.order });
  const total = useTraceCount({ experimentId: search.exp ?? '', filter });
  const traces = useMemo(() => query.data?.pages.flatMap((p) => p.traces) ?? [], [query.data]);
  const filterError = query.error instanceof ApiError && query.error.status === 400 ? query.error.message : null;

  function apply(event: FormEvent) {
    event.preventDefault();
    setSelected(new Set());
    setAllMatching(false);
    void navigate({ search: (prev) => ({ ...prev, filter: draft.trim() || undefined }) });
  }

  const selection: Selection = allMatching
    ? { kind: 'search', experimentId: search.exp ?? '', filter }
    : { kind: 'ids', traceIds: [...selected] };

  return (
    <section aria-labelledby="traces-title" className="traces-page">
      <div className="page-head">
        <h1 id="traces-title">Traces</h1>
        <form className="filter-form" onSubmit={apply} role="search">
          <label htmlFor="filter" className="visually-hidden">Filter</label>
          <input
            id="filter"
            className={filterError ? 'invalid' : ''}
            placeholder="tags.environment = 'production' AND feedback.safety = 'no'"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-invalid={filterError ? true : undefined}
            aria-describedby={filterError ? 'filter-error filter-help' : 'filter-help'}
            spellCheck={false}
          />
          <button type="submit">Apply</button>
          {search.filter && (
            <button type="button" className="link" onClick={() => { setDraft(''); void navigate({ search: (prev) => ({ ...prev, filter: undefined }) }); }}>Clear</button>
          )}
        </form>
      </div>
      {query.error && !filterError && <p className="page-error" role="alert">{query.error.message}</p>}
      {filterError && <p id="filter-error" className="field-error" role="alert">{filterError}</p>}
      {/* Kept under a refused filter too: that is when the syntax is needed. */}
      <p id="filter-help" className="muted small">MLflow filter language: <code>tags.k = 'v'</code>, <code>feedback.name = 'no'</code>, <code>execution_time_ms &gt; 1000</code>, joined with AND.</p>
      <div className="toolbar" aria-live="polite">
        {/* A filter the server refused matched nothing: no count rather than "0 traces". */}
        {!filterError && (
          <span className="muted trace-count">
            {query.isPending ? 'Loading…' : traceCountLabel(traces.length, Boolean(query.hasNextPage), total.data)}
          </span>
        )}
        {canWrite && (selected.size > 0 || allMatching) && (
          <>
            <span>{allMatching ? 'All traces matching the filter selected' : `${selected.size} selected`}</span>
            {!allMatching && query.hasNextPage && (
              <button type="button" className="link" onClick={() => setAllMatching(true)}>Select all matching the filter</button>
            )}
            <button type="button" className="link" onClick={() => { setSelected(new Set()); setAllMatching(false); }}>Clear selection</button>
            <button type="button" onClick={() => setDialog('session')}>Add to labeling session</button>
            <button type="button" className="primary" onClick={() => setDialog('dataset')}>Add to evaluation dataset</button>
          </>
        )}
      </div>
      {filterError && <p className="muted">No traces are listed until the filter parses.</p>}
      {!query.error && (
        <TraceTable
          traces={traces}
          order={search.order}
          onOrder={(order) => void navigate({ search: (prev) => ({ ...prev, order }) })}
          selectable={canWrite}
          selected={selected}
          allMatching={allMatching}
          onSelect={(next) => { setAllMatching(false); setSelected(next); }}
          hasMore={Boolean(query.hasNextPage)}
          loadingMore={query.isFetchingNextPage}
          onMore={() => void query.fetchNextPage()}
          onOpen={(traceId) => void navigate({ to: '/traces/$traceId', params: { traceId }, search: (prev) => prev })}
          loading={query.isPending}
        />
      )}
      {dialog === 'dataset' && <AddToDataset selection={selection} experimentId={search.exp ?? ''} onClose={() => setDialog(null)} />}
      {dialog === 'session' && <AddToSession selection={selection} experimentId={search.exp ?? ''} onClose={() => setDialog(null)} />}
    </section>
  );
}
