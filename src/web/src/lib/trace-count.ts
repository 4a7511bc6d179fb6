/** The count beside the trace list: the server's total when known, else what is loaded. */
export function traceCountLabel(loaded: number, hasMore: boolean, total: { count: number; more: boolean } | undefined): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const noun = (v: number) => (v === 1 ? 'trace' : 'traces');
  if (total) {
    if (total.more) return `${n(total.count)}+ traces`;
    return `${n(total.count)} ${noun(total.count)}`;
  }
  return hasMore ? `${n(loaded)}+ traces (counting…)` : `${n(loaded)} ${noun(loaded)}`;
}
