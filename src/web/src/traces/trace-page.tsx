/** A trace: its span tree on a timeline, the selected span, and every assessment beside it. */
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useMemo, useRef, type KeyboardEvent } from 'react';
import { formatCost, formatDuration } from '../lib/feedback';
import { spanTree } from '../lib/span-tree';
import { spanTypeLabel } from '../lib/span-type';
import { axisTicks, tickLabel } from '../lib/time-ticks';
import { AssessmentsPanel } from './assessments-panel';
import { useTrace } from './queries';
import { SpanDetail } from './span-detail';

type TraceJson = NonNullable<ReturnType<typeof useTrace>['data']>;
export type Span = TraceJson['data']['spans'][number];

export function TracePage() {
  const { traceId } = useParams({ from: '/traces/$traceId' });
  const search = useSearch({ from: '/traces/$traceId' });
  const navigate = useNavigate({ from: '/traces/$traceId' });
  const trace = useTrace(traceId);
  const tree = useMemo(() => spanTree(trace.data?.data.spans ?? []), [trace.data]);
  const list = useRef<HTMLOListElement>(null);
  const selectedIndex = Math.max(0, tree.rows.findIndex((r) => r.span.span_id === search.span));
  const selected = tree.rows[selectedIndex];
  const select = (spanId: string) => void navigate({ search: (prev) => ({ ...prev, span: spanId }), replace: true });

  function onKey(event: KeyboardEvent) {
    const delta = event.key === 'ArrowDown' || event.key === 'j' ? 1 : event.key === 'ArrowUp' || event.key === 'k' ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = tree.rows[Math.max(0, Math.min(tree.rows.length - 1, selectedIndex + delta))];
    if (next) {
      select(next.span.span_id);
      list.current?.querySelector<HTMLElement>(`[data-span="${next.span.span_id}"]`)?.focus();
    }
  }

  if (trace.isPending) return <p className="loading" role="status">Loading trace…</p>;
  if (trace.error) return <p className="page-error" role="alert">{trace.error.message}</p>;
  const info = trace.data.info;
  return (
    <div className="trace-page">
      <div className="page-head">
        <Link to="/traces" search={({ span: _span, ...prev }) => prev} className="back">← Traces</Link>
        <h1 className="mono trace-title">{info.trace_id}</h1>
        <span className={`state state-${info.state}`}>{info.state}</span>
        <span className="muted">{new Date(info.request_time).toLocaleString()}</span>
        <span>{formatDuration(info.execution_duration_ms)}</span>
        <span>{info.token_usage?.total_tokens == null ? 'tokens unknown' : `${info.token_usage.total_tokens.toLocaleString('en-US')} tokens`}</span>
        {/* A bare dash beside the figures reads as nothing: say which figure is missing. */}
        <span>{info.cost === null || info.cost === undefined ? 'cost unknown' : `cost ${formatCost(info.cost)}`}</span>
      </div>
      <div className="trace-layout">
        <section className="span-tree" aria-labelledby="spans-title">
          <h2 id="spans-title">Spans <span className="muted small">({tree.rows.length}, {formatDuration(tree.totalMs)})</span></h2>
          <TimeAxis totalMs={tree.totalMs} />
          <ol ref={list} className="waterfall" onKeyDown={onKey}>
            {tree.rows.map((row) => {
              const isSelected = row === selected;
              const status = row.span.status.code.replace('STATUS_CODE_', '');
              return (
                <li key={row.span.span_id}>
                  <button
                    type="button"
                    data-span={row.span.span_id}
                    title={`${row.span.name} · ${spanTypeLabel(row.span.span_type)}`}
                    className={`span-row${isSelected ? ' selected' : ''}${status === 'ERROR' ? ' error' : ''}`}
                    aria-current={isSelected ? 'true' : undefined}
                    tabIndex={isSelected ? 0 : -1}
                    onClick={() => select(row.span.span_id)}
                  >
                    <span className="span-name" style={{ paddingLeft: row.depth * 14 }}>
                      {row.span.name}
                      <span className={`span-type type-${row.span.span_type ?? 'UNKNOWN'}`}>{spanTypeLabel(row.span.span_type)}</span>
                    </span>
                    <span className="bar-track" aria-hidden="true">
                      <span className="bar" style={{ left: `${row.left * 100}%`, width: `${Math.min(row.width, 1 - row.left) * 100}%` }} />
                    </span>
                    <span className="span-ms">{formatDuration(row.durationMs)}</span>
                  </button>
                </li>
              );
            })}
          </ol>
        </section>
        {selected ? <SpanDetail row={selected} /> : <p className="muted">This trace has no spans.</p>}
        <AssessmentsPanel traceId={info.trace_id} assessments={info.assessments ?? []} />
      </div>
    </div>
  );
}

/** The waterfall's time axis: round offsets from the trace's start, over the bars' column. */
function TimeAxis({ totalMs }: { totalMs: number }) {
  const ticks = axisTicks(totalMs);
  const step = ticks[1] ?? totalMs;
  return (
    <div className="waterfall-axis" aria-hidden="true">
      <span />
      <span className="axis-track">
        {ticks.map((t) => (
          <span key={t} className="axis-tick" style={{ left: `${totalMs > 0 ? (t / totalMs) * 100 : 0}%` }}>{tickLabel(t, step)}</span>
        ))}
      </span>
      <span className="axis-total">{formatDuration(totalMs)}</span>
    </div>
  );
}
