/**
 * The soak's accounting of (trace, scorer) pairs: the feedback rows found against the pairs the
 * monitors had to judge (each with the moment its trace completed), giving duplicates, missing and
 * unexpected pairs, feedback that holds a judge error, and each pair's feedback lag.
 */

/** One (trace, scorer) pair as stored: how many valid feedback rows, the first one's time (ms). */
export interface StoredPair {
  trace_id: string;
  name: string;
  n: number;
  at: number;
  errors: number;
}

export interface PairTally {
  duplicates: number;
  missing: number;
  unexpected: number;
  feedbackErrors: number;
  /** Seconds from trace completion to its first feedback, ascending. */
  lags: number[];
}

export const pairKey = (traceId: string, scorer: string) => `${traceId} ${scorer}`;

/** `expected`: pair key → when its trace completed (ms). */
export function tallyPairs(stored: readonly StoredPair[], expected: ReadonlyMap<string, number>): PairTally {
  const tally: PairTally = { duplicates: 0, missing: 0, unexpected: 0, feedbackErrors: 0, lags: [] };
  const found = new Set<string>();
  for (const p of stored) {
    const key = pairKey(p.trace_id, p.name);
    found.add(key);
    tally.duplicates += Math.max(0, p.n - 1);
    tally.feedbackErrors += p.errors;
    const completed = expected.get(key);
    if (completed === undefined) tally.unexpected += 1;
    else tally.lags.push((p.at - completed) / 1000);
  }
  for (const key of expected.keys()) if (!found.has(key)) tally.missing += 1;
  tally.lags.sort((a, b) => a - b);
  return tally;
}

/** The p-quantile (0–1) of ascending values, nearest rank; 0 when there are none. */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}
