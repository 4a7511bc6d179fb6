/**
 * The sessions table: one row per conversation with its session-level feedback as chips. Long lists
 * are virtualized and load the next page near the end; arrow keys move between rows, Enter opens one.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { VerdictChip } from '../components/verdict-chip';
import { focusRow } from '../lib/focus-row';
import type { SessionSummary } from './queries';

const ROW = 34;
const TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const COLUMNS: ReadonlyArray<{ label: string; width: number; className?: string }> = [
  { label: 'Session', width: 220 },
  { label: 'User', width: 150 },
  { label: 'Turns', width: 70, className: 'num' },
  { label: 'First turn', width: 150 },
  { label: 'Last activity', width: 150 },
  { label: 'Session feedback', width: 360 },
];

interface Props {
  sessions: SessionSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  loading: boolean;
  onMore(): void;
  onOpen(sessionId: string): void;
}

export function SessionTable({ sessions, hasMore, loadingMore, loading, onMore, onOpen }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: sessions.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= sessions.length - 20) onMore();
  }, [hasMore, loadingMore, lastIndex, sessions.length, onMore]);

  function onRowKey(event: KeyboardEvent<HTMLTableRowElement>, index: number, sessionId: string) {
    const move = (to: number) => {
      event.preventDefault();
      const bounded = Math.max(0, Math.min(sessions.length - 1, to));
      focusRow(scroller.current, bounded, (i) => virtual.scrollToIndex(i));
    };
    if (event.key === 'ArrowDown' || event.key === 'j') move(index + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(sessions.length - 1);
    else if (event.key === 'Enter') onOpen(sessionId);
  }

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div className="table-scroll" ref={scroller} tabIndex={-1}>
      <table className="grid traces sessions" style={{ minWidth: COLUMNS.reduce((n, c) => n + c.width, 0) }} aria-rowcount={sessions.length + 1}>
        <thead>
          <tr>{COLUMNS.map((c) => <th key={c.label} scope="col" style={{ width: c.width }} className={c.className}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {padTop > 0 && <tr aria-hidden="true" style={{ height: padTop }} />}
          {items.map((item) => {
            const s = sessions[item.index]!;
            return (
              <tr
                key={s.session_id}
                data-index={item.index}
                tabIndex={0}
                aria-rowindex={item.index + 2}
                aria-label={`Session ${s.session_id}, ${s.turns} turns`}
                style={{ height: ROW }}
                onKeyDown={(e) => onRowKey(e, item.index, s.session_id)}
                onClick={() => onOpen(s.session_id)}
              >
                <td className="mono" title={s.session_id}>{s.session_id}</td>
                <td title={s.user_id ?? undefined}>{s.user_id ?? <span className="muted">—</span>}</td>
                <td className="num">{s.turns.toLocaleString('en-US')}</td>
                <td><time dateTime={s.first_time} title={s.first_time}>{TIME.format(new Date(s.first_time))}</time></td>
                <td><time dateTime={s.last_time} title={s.last_time}>{TIME.format(new Date(s.last_time))}</time></td>
                <td className="chips">
                  {s.assessments.length === 0 && <span className="muted">—</span>}
                  {s.assessments.map((a) => (
                    <span key={a.assessment_id} className="named-chip">
                      <span className="chip-name">{a.assessment_name}</span> <VerdictChip assessment={a} title={a.rationale ?? undefined} />
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
          {padBottom > 0 && <tr aria-hidden="true" style={{ height: padBottom }} />}
        </tbody>
      </table>
      {!loading && sessions.length === 0 && <p className="empty-rows">No sessions match this search and time range.</p>}
      {loadingMore && <p className="muted small loading-more" role="status">Loading more…</p>}
    </div>
  );
}
