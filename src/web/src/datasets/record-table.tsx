/** A version's records in a virtualized table: inputs, expectations, outputs, tags, source. ↑/↓ move, Enter edits. */
import { Link } from '@tanstack/react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { focusRow } from '../lib/focus-row';
import { compact, sourceOf, type DatasetRecord } from './queries';

const ROW = 34;

interface Props {
  records: DatasetRecord[];
  selected: string | null;
  onOpen(record: DatasetRecord): void;
  onDelete?: ((record: DatasetRecord) => void) | undefined;
  hasMore: boolean;
  onMore(): void;
  loading: boolean;
}

export function RecordTable({ records, selected, onOpen, onDelete, hasMore, onMore, loading }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: records.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtual.getVirtualItems();
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loading && last >= records.length - 20) onMore();
  }, [last, records.length, hasMore, loading, onMore]);

  function onKey(e: KeyboardEvent<HTMLTableRowElement>, index: number) {
    const move = e.key === 'ArrowDown' || e.key === 'j' ? 1 : e.key === 'ArrowUp' || e.key === 'k' ? -1 : 0;
    if (move) {
      e.preventDefault();
      const next = Math.max(0, Math.min(records.length - 1, index + move));
      focusRow(scroller.current, next, (i) => virtual.scrollToIndex(i));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      onOpen(records[index]!);
    }
  }

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div className="table-scroll records-scroll" ref={scroller}>
      <table className="grid traces records">
        <colgroup><col style={{ width: '30%' }} /><col style={{ width: '24%' }} /><col style={{ width: '20%' }} /><col style={{ width: '10%' }} /><col style={{ width: '11%' }} /><col style={{ width: 70 }} /></colgroup>
        <thead><tr><th>Inputs</th><th>Expectations</th><th>Outputs</th><th>Tags</th><th>Source</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {padTop > 0 && <tr aria-hidden="true"><td colSpan={6} style={{ height: padTop, padding: 0 }} /></tr>}
          {items.map((item) => {
            const r = records[item.index]!;
            const source = sourceOf(r);
            return (
              <tr
                key={r.dataset_record_id}
                data-index={item.index}
                tabIndex={0}
                style={{ height: ROW }}
                className={selected === r.dataset_record_id ? 'selected' : ''}
                aria-selected={selected === r.dataset_record_id}
                onClick={() => onOpen(r)}
                onKeyDown={(e) => onKey(e, item.index)}
              >
                <td title={compact(r.inputs)} className="mono">{compact(r.inputs)}</td>
                <td title={compact(r.expectations)} className="mono">{Object.keys(r.expectations ?? {}).length ? compact(r.expectations) : <span className="muted">—</span>}</td>
                <td title={compact(r.outputs)}>{compact(r.outputs) || <span className="muted">—</span>}</td>
                <td>{Object.entries(r.tags ?? {}).map(([k, v]) => <span key={k} className="chip">{k}={v}</span>)}</td>
                <td onClick={(e) => e.stopPropagation()}>
                  {source.traceId ? (
                    <Link to="/traces/$traceId" params={{ traceId: source.traceId }} search={(prev) => ({ exp: (prev as { exp?: string }).exp })} className="mono">{source.traceId.slice(0, 14)}</Link>
                  ) : source.href ? <a href={source.href} target="_blank" rel="noreferrer">{source.label}</a> : <span className="muted">{source.label}</span>}
                </td>
                <td onClick={(e) => e.stopPropagation()}>
                  {onDelete && <button type="button" className="link danger" aria-label={`Delete record ${r.dataset_record_id}`} onClick={() => onDelete(r)}>Delete</button>}
                </td>
              </tr>
            );
          })}
          {padBottom > 0 && <tr aria-hidden="true"><td colSpan={6} style={{ height: padBottom, padding: 0 }} /></tr>}
        </tbody>
      </table>
      {records.length === 0 && !loading && <p className="empty-rows muted">No records.</p>}
      {loading && <p className="loading-more muted" role="status">Loading…</p>}
    </div>
  );
}
