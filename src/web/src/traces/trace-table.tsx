/**
 * The traces table: one row per trace, one column per feedback name on the page. Long pages are
 * virtualized; arrow keys move between rows, Enter opens a trace, Space selects it.
 */
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { VerdictChip } from '../components/verdict-chip';
import { feedbackNames, formatCost, formatDuration, verdictOf, verdictRank } from '../lib/feedback';
import { focusRow } from '../lib/focus-row';
import type { TraceInfo } from './queries';

const ROW = 34;

/** Columns the server sorts (the whole result); feedback columns sort the loaded rows. */
const SERVER_ORDER: Record<string, string> = { time: 'timestamp_ms', trace_id: 'request_id', state: 'status', latency: 'execution_time_ms' };

interface Props {
  traces: TraceInfo[];
  order: string | undefined;
  onOrder(order: string | undefined): void;
  selectable: boolean;
  selected: ReadonlySet<string>;
  allMatching: boolean;
  onSelect(next: ReadonlySet<string>): void;
  hasMore: boolean;
  loadingMore: boolean;
  onMore(): void;
  onOpen(traceId: string): void;
  loading: boolean;
}

const TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortTime = (iso: string) => TIME.format(new Date(iso));

/** A name with a line-break opportunity after each `_`, `.` and `-` (`relevance_to_` / `query`). */
function breakable(name: string) {
  return name.split(/(?<=[_.-])/).map((part, i) => (i === 0 ? part : <Fragment key={i}><wbr />{part}</Fragment>));
}

function latestFeedback(t: TraceInfo, name: string) {
  let found: NonNullable<TraceInfo['assessments']>[number] | undefined;
  for (const a of t.assessments ?? []) if (a.valid && a.feedback !== undefined && a.assessment_name === name) found = !found || a.create_time > found.create_time ? a : found;
  return found;
}

export function TraceTable(props: Props) {
  const { traces, order, selected } = props;
  const names = useMemo(() => feedbackNames(traces), [traces]);
  const [clientSort, setClientSort] = useState<SortingState>([]);
  const columns = useMemo<ColumnDef<TraceInfo>[]>(() => {
    const base: ColumnDef<TraceInfo>[] = [
      { id: 'time', header: 'Time', size: 150, cell: ({ row }) => <time dateTime={row.original.request_time} title={row.original.request_time}>{shortTime(row.original.request_time)}</time> },
      { id: 'trace_id', header: 'Trace', size: 130, cell: ({ row }) => <span className="mono">{row.original.trace_id.slice(0, 14)}</span> },
      { id: 'request', header: 'Request', size: 260, cell: ({ row }) => <span className="preview">{row.original.request_preview}</span> },
      { id: 'response', header: 'Response', size: 260, cell: ({ row }) => <span className="preview">{row.original.response_preview}</span> },
      { id: 'state', header: 'State', size: 70, cell: ({ row }) => <span className={`state state-${row.original.state}`}>{row.original.state}</span> },
      { id: 'latency', header: 'Latency', size: 80, cell: ({ row }) => <span className="num">{formatDuration(row.original.execution_duration_ms)}</span> },
      { id: 'tokens', header: 'Tokens', size: 70, cell: ({ row }) => <span className="num">{row.original.token_usage?.total_tokens?.toLocaleString('en-US') ?? '—'}</span> },
      { id: 'cost', header: 'Cost', size: 70, cell: ({ row }) => <span className="num">{formatCost(row.original.cost)}</span> },
    ];
    const feedback: ColumnDef<TraceInfo>[] = names.map((name) => ({
      id: `feedback.${name}`,
      header: () => <span className="scorer-name">{breakable(name)}</span>,
      // Wide enough for the longest word of the name; a long name wraps at `_`, `.` and `-`
      // (three lines at most: the header's title holds the whole name).
      size: Math.min(140, Math.max(90, Math.max(...name.split(/[_.-]/).map((word) => word.length)) * 8 + 34)),
      enableSorting: true,
      accessorFn: (t) => {
        const a = latestFeedback(t, name);
        return a ? verdictRank(verdictOf(a)) : 99;
      },
      cell: ({ row }) => {
        const a = latestFeedback(row.original, name);
        return a ? <VerdictChip assessment={a} title={a.rationale ?? undefined} /> : <span className="muted">—</span>;
      },
    }));
    return [...base, ...feedback];
  }, [names]);

  const table = useReactTable({
    data: traces,
    columns,
    state: { sorting: clientSort },
    onSortingChange: setClientSort,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (t) => t.trace_id,
  });
  const rows = table.getRowModel().rows;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  const { hasMore, loadingMore, onMore } = props;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 20) onMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, onMore]);

  function sortBy(id: string) {
    const server = SERVER_ORDER[id];
    if (server) {
      setClientSort([]);
      const [key, dir] = (order ?? 'timestamp_ms DESC').split(/\s+/);
      const next = key === server && dir === 'DESC' ? `${server} ASC` : `${server} DESC`;
      props.onOrder(next === 'timestamp_ms DESC' ? undefined : next);
    } else if (id.startsWith('feedback.')) {
      const current = clientSort[0];
      setClientSort([{ id, desc: current?.id === id ? !current.desc : false }]);
    }
  }

  function ariaSort(id: string): 'ascending' | 'descending' | undefined {
    const client = clientSort[0];
    if (client?.id === id) return client.desc ? 'descending' : 'ascending';
    if (client) return undefined;
    const [key, dir] = (order ?? 'timestamp_ms DESC').split(/\s+/);
    return SERVER_ORDER[id] === key ? (dir === 'ASC' ? 'ascending' : 'descending') : undefined;
  }

  function toggle(id: string) {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    props.onSelect(next);
  }

  function onRowKey(event: KeyboardEvent<HTMLTableRowElement>, index: number, traceId: string) {
    const move = (to: number) => {
      event.preventDefault();
      const bounded = Math.max(0, Math.min(rows.length - 1, to));
      focusRow(scroller.current, bounded, (i) => virtual.scrollToIndex(i));
    };
    if (event.key === 'ArrowDown' || event.key === 'j') move(index + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(rows.length - 1);
    else if (event.key === 'Enter') props.onOpen(traceId);
    else if (event.key === ' ' && props.selectable) { event.preventDefault(); toggle(traceId); }
  }

  const allLoadedSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  const width = table.getVisibleLeafColumns().reduce((n, c) => n + c.getSize(), props.selectable ? 36 : 0);

  return (
    <div className="table-scroll" ref={scroller} tabIndex={-1}>
      <table className="grid traces" style={{ minWidth: width }} aria-rowcount={rows.length + 1}>
        <thead>
          <tr>
            {props.selectable && (
              <th style={{ width: 36 }} scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all loaded traces"
                  checked={props.allMatching || allLoadedSelected}
                  onChange={() => props.onSelect(allLoadedSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                />
              </th>
            )}
            {table.getHeaderGroups()[0]!.headers.map((h) => {
              const scorer = h.id.startsWith('feedback.') ? h.id.slice('feedback.'.length) : undefined;
              const sortable = Boolean(SERVER_ORDER[h.id]) || scorer !== undefined;
              const sort = ariaSort(h.id);
              return (
                <th
                  key={h.id}
                  scope="col"
                  style={{ width: h.getSize() }}
                  aria-sort={sort ?? 'none'}
                  className={scorer !== undefined ? 'feedback-col' : ''}
                  title={scorer}
                >
                  {sortable ? (
                    <button type="button" className="sort" onClick={() => sortBy(h.id)}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span aria-hidden="true" className="sort-mark">{sort === 'ascending' ? '▲' : sort === 'descending' ? '▼' : ''}</span>
                    </button>
                  ) : (
                    flexRender(h.column.columnDef.header, h.getContext())
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {padTop > 0 && <tr aria-hidden="true" style={{ height: padTop }} />}
          {items.map((item) => {
            const row = rows[item.index]!;
            const isSelected = props.allMatching || selected.has(row.id);
            return (
              <tr
                key={row.id}
                data-index={item.index}
                tabIndex={0}
                aria-rowindex={item.index + 2}
                aria-selected={props.selectable ? isSelected : undefined}
                className={isSelected ? 'selected' : ''}
                style={{ height: ROW }}
                onKeyDown={(e) => onRowKey(e, item.index, row.id)}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest('input,button,a')) return;
                  props.onOpen(row.id);
                }}
              >
                {props.selectable && (
                  <td>
                    <input type="checkbox" tabIndex={-1} aria-label={`Select trace ${row.id}`} checked={isSelected} onChange={() => toggle(row.id)} />
                  </td>
                )}
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && <tr aria-hidden="true" style={{ height: padBottom }} />}
        </tbody>
      </table>
      {!props.loading && rows.length === 0 && <p className="empty-rows">No traces match this filter and time range.</p>}
      {props.loadingMore && <p className="muted small loading-more" role="status">Loading more…</p>}
    </div>
  );
}
