import { describe, expect, it } from 'vitest';
import { pairKey, quantile, tallyPairs } from '../../faults/soak-pairs.ts';

describe('the soak pair accounting', () => {
  const expected = new Map([
    [pairKey('tr-a', 'safety'), 1_000],
    [pairKey('tr-a', 'relevance_to_query'), 1_000],
    [pairKey('tr-b', 'safety'), 2_000],
  ]);

  it('counts duplicates, missing and unexpected pairs, errors and lags', () => {
    const tally = tallyPairs(
      [
        { trace_id: 'tr-a', name: 'safety', n: 2, at: 31_000, errors: 0 },
        { trace_id: 'tr-b', name: 'safety', n: 1, at: 12_000, errors: 1 },
        { trace_id: 'tr-c', name: 'safety', n: 1, at: 5_000, errors: 0 },
      ],
      expected,
    );
    expect(tally).toEqual({ duplicates: 1, missing: 1, unexpected: 1, feedbackErrors: 1, lags: [10, 30] });
  });

  it('is clean when every expected pair is stored once', () => {
    const stored = [...expected].map(([key, at]) => {
      const [trace_id, name] = key.split(' ') as [string, string];
      return { trace_id, name, n: 1, at: at + 500, errors: 0 };
    });
    expect(tallyPairs(stored, expected)).toMatchObject({ duplicates: 0, missing: 0, unexpected: 0 });
  });

  it('takes quantiles by nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([], 0.5)).toBe(0);
  });
});
