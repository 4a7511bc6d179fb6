/**
 * Evaluation metrics at their edges, each figure computed by hand: what a run with no scores, only
 * judge errors or unusual verdict values reports, and the exact set of metric names a user sees.
 */
import { describe, expect, it } from 'vitest';
import { MetricTally, aggregate, computeMetrics, numericValue, percentile, rowVerdict, type MetricRow } from '../../src/domain/evaluation-metrics.ts';

const v = (name: string, value: MetricRow['verdicts'][number]['value'], error: unknown = null) => ({ name, value, error });
const row = (verdicts: MetricRow['verdicts'], extra: Partial<MetricRow> = {}): MetricRow => ({
  status: 'done',
  passed: rowVerdict(verdicts).passed,
  verdicts,
  latency_ms: null,
  input_tokens: null,
  output_tokens: null,
  total_tokens: null,
  cost: null,
  ...extra,
});

describe('verdict values', () => {
  it('reads yes/true and no/false in any case and with spaces, finite numbers as they are, and nothing else', () => {
    expect(['  YES ', 'True', ' no', 'FALSE\n', 'y', '1', '', 'nope'].map(numericValue)).toEqual([1, 1, 0, 0, null, null, null, null]);
    expect([0, -2.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(numericValue)).toEqual([0, -2.5, null, null, null]);
    expect([[1], { value: 1 }].map((x) => numericValue(x))).toEqual([null, null]);
  });
});

describe('aggregations on numbers, not text', () => {
  it('sorts numerically: 10 is above 9', () => {
    expect(percentile([10, 9, 2], 50)).toBe(9);
    expect(percentile([10, 9, 2], 100)).toBe(10);
    expect(percentile([10, 9, 2], 0)).toBe(2);
    expect(aggregate([10, 9, 2], 'median')).toBe(9);
    // rank 0.9 · 2 = 1.8, between 9 and 10 → 9.8
    expect(aggregate([10, 9, 2], 'p90')).toBeCloseTo(9.8, 12);
    expect(aggregate([10, 9, 2], 'max')).toBe(10);
    expect(aggregate([10, 9, 2], 'min')).toBe(2);
    // mean 7, deviations 3, 2, -5 → (9 + 4 + 25) / 3
    expect(aggregate([10, 9, 2], 'variance')).toBeCloseTo(38 / 3, 12);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('computeMetrics names and values', () => {
  it('reports mean only by default, once even when asked again, and every metric name exactly', () => {
    const rows = [
      row([v('b', 'yes'), v('a', 2)], { latency_ms: 1500, input_tokens: 3, output_tokens: 0, total_tokens: 3, cost: 0, judge_cost: 0.25 }),
      row([v('b', 'no'), v('a', 4)], { latency_ms: 500, judge_cost: 0.5 }),
    ];
    const m = computeMetrics(rows);
    expect(m).toEqual({
      'a/mean': 3,
      'a/error_count': 0,
      'b/mean': 0.5,
      'b/error_count': 0,
      'latency_seconds/p50': 1,
      // rank 0.9 between 0.5 and 1.5 → 1.4
      'latency_seconds/p90': expect.closeTo(1.4, 12),
      'input_tokens/total': 3,
      'output_tokens/total': 0,
      'total_tokens/total': 3,
      'cost/total': 0,
      'judge_cost/total': 0.75,
      pass_rate: 0.5,
      error_rate: 0,
    });
    // Assessment names are listed in order.
    expect(Object.keys(m).slice(0, 4)).toEqual(['a/mean', 'a/error_count', 'b/mean', 'b/error_count']);
    expect(Object.keys(computeMetrics(rows, ['mean', 'max', 'median', 'p90']))).toEqual([
      'a/mean', 'a/max', 'a/median', 'a/p90', 'a/error_count', 'b/mean', 'b/max', 'b/median', 'b/p90', 'b/error_count',
      'latency_seconds/p50', 'latency_seconds/p90', 'input_tokens/total', 'output_tokens/total', 'total_tokens/total', 'cost/total',
      'judge_cost/total', 'pass_rate', 'error_rate',
    ]);
    expect(computeMetrics(rows, ['max', 'median', 'p90'])).toMatchObject({ 'a/max': 4, 'a/median': 3, 'a/p90': expect.closeTo(3.8, 12) });
  });

  it('counts a judge that only failed without inventing a score for it', () => {
    const rows = [row([v('safety', null, { error_code: 'JUDGE_TIMEOUT' }), v('tone', 'maybe')]), row([v('safety', null, 'boom')])];
    expect(computeMetrics(rows, ['min'])).toEqual({ 'safety/error_count': 2, 'tone/error_count': 0, pass_rate: 0, error_rate: 0 });
  });

  it('reports nothing but a zero error rate for an empty run, and no pass rate when no row was scored', () => {
    expect(computeMetrics([])).toEqual({ error_rate: 0 });
    const errored: MetricRow = { ...row([]), status: 'errored', passed: null };
    const pending: MetricRow = { ...row([]), status: 'pending', passed: null };
    expect(computeMetrics([errored, pending, errored])).toEqual({ error_rate: 2 / 3 });
  });

  it('counts only rows that passed, not rows without a pass mark, in the pass rate', () => {
    const rows = [row([v('a', 'yes')]), { ...row([v('a', 'yes')]), passed: null }, row([v('a', 'no')]), row([v('a', 'yes')])];
    expect(computeMetrics(rows).pass_rate).toBe(0.5);
  });
});

describe('rowVerdict', () => {
  it('fails on false and "no" verdicts, not on the number 0 or unreadable text, and lists each judge once in order', () => {
    expect(rowVerdict([v('z', false), v('m', ' No '), v('n', 0), v('t', 'maybe'), v('m', 'no'), v('a', true)])).toEqual({ passed: false, failing: ['m', 'z'] });
    expect(rowVerdict([v('e', 'yes', 'timeout'), v('f', 'yes')])).toEqual({ passed: false, failing: ['e'] });
    expect(rowVerdict([])).toEqual({ passed: true, failing: [] });
  });
});

describe('metric names present only when there is a figure', () => {
  it('writes no token or cost total for a run that reported none, and the mean when no aggregation is asked', () => {
    const rows = [row([v('a', 1)])];
    expect(Object.keys(computeMetrics(rows)).sort()).toEqual(['a/error_count', 'a/mean', 'error_rate', 'pass_rate']);
    expect(computeMetrics(rows)).toStrictEqual({ 'a/mean': 1, 'a/error_count': 0, pass_rate: 1, error_rate: 0 });
  });

  it('gives the mean alone when a tally is asked for no aggregation', () => {
    const tally = new MetricTally();
    tally.add(row([v('a', 'yes')]));
    tally.add(row([v('a', 'no')]));
    expect(tally.metrics()).toStrictEqual({ 'a/mean': 0.5, 'a/error_count': 0, pass_rate: 0.5, error_rate: 0 });
  });
});
