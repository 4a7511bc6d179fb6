/** Last 1 h / 24 h / 7 d / all / custom: written into the URL so every page and link honours it. */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { RANGE_LABELS, type RangeKey } from '../lib/time-range';

const toLocalInput = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
const fromLocalInput = (v: string) => (v ? new Date(v).getTime() : undefined);

export function RangePicker() {
  const search = useSearch({ strict: false }) as { range?: RangeKey; from?: number; to?: number };
  const navigate = useNavigate();
  const range = search.range ?? 'all';
  const set = (patch: Record<string, unknown>) => void navigate({ to: '.', search: ((prev: Record<string, unknown>) => ({ ...prev, ...patch })) as never });
  return (
    <div className="range-picker">
      <label htmlFor="range">Time range</label>
      <select id="range" value={range} onChange={(e) => set({ range: e.target.value === 'all' ? undefined : e.target.value, from: undefined, to: undefined })}>
        {(Object.keys(RANGE_LABELS) as RangeKey[]).map((k) => <option key={k} value={k}>{RANGE_LABELS[k]}</option>)}
      </select>
      {range === 'custom' && (
        <>
          <label htmlFor="range-from" className="visually-hidden">From</label>
          <input id="range-from" type="datetime-local" value={toLocalInput(search.from)} onChange={(e) => set({ from: fromLocalInput(e.target.value) })} />
          <span aria-hidden="true">–</span>
          <label htmlFor="range-to" className="visually-hidden">To</label>
          <input id="range-to" type="datetime-local" value={toLocalInput(search.to)} onChange={(e) => set({ to: fromLocalInput(e.target.value) })} />
        </>
      )}
    </div>
  );
}
