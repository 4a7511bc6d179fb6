/** The count beside a list: the server's total when known, else what is loaded. */
export function countLabel(
  loaded: number,
  hasMore: boolean,
  total: { count: number; more: boolean } | undefined,
  noun: { one: string; many: string },
): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const word = (v: number) => (v === 1 ? noun.one : noun.many);
  if (total) {
    if (total.more) return `${n(total.count)}+ ${noun.many}`;
    return `${n(total.count)} ${word(total.count)}`;
  }
  return hasMore ? `${n(loaded)}+ ${noun.many} (counting…)` : `${n(loaded)} ${word(loaded)}`;
}

export function traceCountLabel(loaded: number, hasMore: boolean, total: { count: number; more: boolean } | undefined): string {
  return countLabel(loaded, hasMore, total, { one: 'trace', many: 'traces' });
}

export function sessionCountLabel(loaded: number, hasMore: boolean, total: { count: number; more: boolean } | undefined): string {
  return countLabel(loaded, hasMore, total, { one: 'session', many: 'sessions' });
}
