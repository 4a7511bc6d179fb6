/** The time range every page honours, as it is written in the URL. */
export type RangeKey = '1h' | '24h' | '7d' | 'all' | 'custom';

export interface RangeSearch {
  range?: RangeKey;
  /** Custom range bounds, epoch ms. */
  from?: number;
  to?: number;
}

const SPANS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };

export const RANGE_LABELS: Record<RangeKey, string> = {
  '1h': 'Last 1 hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  all: 'All time',
  custom: 'Custom',
};

/** The range's bounds in epoch ms at `now`; undefined bounds are open. */
export function rangeBounds(search: RangeSearch, now: number): { from?: number; to?: number } {
  const key = search.range ?? 'all';
  if (key === 'custom') return { ...(search.from !== undefined ? { from: search.from } : {}), ...(search.to !== undefined ? { to: search.to } : {}) };
  const span = SPANS[key];
  return span === undefined ? {} : { from: now - span };
}

/** The range as a clause of the search filter language, or '' for all time. */
export function rangeFilter(bounds: { from?: number; to?: number }): string {
  const parts: string[] = [];
  if (bounds.from !== undefined) parts.push(`timestamp_ms >= ${Math.floor(bounds.from)}`);
  if (bounds.to !== undefined) parts.push(`timestamp_ms < ${Math.floor(bounds.to)}`);
  return parts.join(' AND ');
}

/** The user's filter and the range together; AND is the only connective of the filter language. */
export function combineFilters(user: string | undefined, range: string): string | undefined {
  const u = (user ?? '').trim();
  if (!u) return range || undefined;
  if (!range) return u;
  return `${range} AND ${u}`;
}

/** Rounds `now` down to the minute so a range's query key (and cache) is stable while the page is open. */
export function stableNow(now: number): number {
  return Math.floor(now / 60_000) * 60_000;
}
