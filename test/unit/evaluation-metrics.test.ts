/** Evaluation metrics, pass marks, default judges, record shapes and comparison, against hand computations. */
import { describe, expect, it } from 'vitest';
import { compareMetrics, compareRows, type CompareRow } from '../../src/domain/evaluation-compare.ts';
import { aggregate, computeMetrics, numericValue, percentile, rowVerdict, type MetricRow } from '../../src/domain/evaluation-metrics.ts';
import { defaultScorers, parseEvalRecord } from '../../src/domain/evaluation-record.ts';

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
const v = (name: string, value: MetricRow['verdicts'][number]['value'], error: unknown = null) => ({ name, value, error });

describe('aggregations', () => {
  it('interpolates percentiles between ranks as numpy does', () => {
    // sorted [1, 2, 3, 4]: p50 rank 1.5 → 2.5; p90 rank 2.7 → 3.7
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 90)).toBeCloseTo(3.7, 12);
    expect(percentile([5], 90)).toBe(5);
  });

  it('computes mean, min, max, median, p90 and population variance', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(aggregate(values, 'mean')).toBe(5);
    expect(aggregate(values, 'min')).toBe(2);
    expect(aggregate(values, 'max')).toBe(9);
    expect(aggregate(values, 'median')).toBe(4.5);
    // rank 6.3 between 7 and 9 → 7.6
    expect(aggregate(values, 'p90')).toBeCloseTo(7.6, 12);
    expect(aggregate(values, 'variance')).toBe(4);
  });

  it('reads yes/no and booleans as 1/0 and ignores other text', () => {
    expect([numericValue('yes'), numericValue('No'), numericValue(true), numericValue(false), numericValue(0.25), numericValue('maybe'), numericValue(null)]).toEqual([1, 0, 1, 0, 0.25, null, null]);
  });
});

describe('computeMetrics', () => {
  const rows: MetricRow[] = [
    row([v('correctness', 'yes'), v('safety', 'yes')], { latency_ms: 100, input_tokens: 10, output_tokens: 2, total_tokens: 12, cost: 0.5 }),
    row([v('correctness', 'no'), v('safety', 'yes')], { latency_ms: 300, input_tokens: 20, output_tokens: 4, total_tokens: 24 }),
    row([v('correctness', 'yes'), v('safety', null, { error_code: 'JUDGE_TIMEOUT' })], { latency_ms: 200 }),
    row([v('relevance/precision', 0.5), v('correctness', 'yes')], { latency_ms: 400 }),
    { ...row([]), status: 'errored', passed: null, latency_ms: 1000 },
  ];

  it('matches a hand computation', () => {
    const m = computeMetrics(rows, ['min', 'variance']);
    // correctness: 1, 0, 1, 1 → mean 0.75, min 0, variance 0.75 * 0.25
    expect(m['correctness/mean']).toBe(0.75);
    expect(m['correctness/min']).toBe(0);
    expect(m['correctness/variance']).toBeCloseTo(0.1875, 12);
    // safety: the error is skipped, counted apart
    expect(m['safety/mean']).toBe(1);
    expect(m['safety/error_count']).toBe(1);
    expect(m['relevance/precision/mean']).toBe(0.5);
    expect(m['correctness/median']).toBeUndefined();
    // latencies 0.1, 0.3, 0.2, 0.4, 1.0 s → sorted 0.1 0.2 0.3 0.4 1.0: p50 0.3, p90 rank 3.6 → 0.4 + 0.6·0.6
    expect(m['latency_seconds/p50']).toBeCloseTo(0.3, 12);
    expect(m['latency_seconds/p90']).toBeCloseTo(0.76, 12);
    expect(m['input_tokens/total']).toBe(30);
    expect(m['output_tokens/total']).toBe(6);
    expect(m['total_tokens/total']).toBe(36);
    expect(m['cost/total']).toBe(0.5);
    // pass: rows 1 and 4 (numeric precision has no pass mark); scored rows 4 → 0.5; errored 1 of 5
    expect(m.pass_rate).toBe(0.5);
    expect(m.error_rate).toBe(0.2);
  });

  it('names failing judges, counting judge errors as failures', () => {
    expect(rowVerdict([v('a', 'yes'), v('b', 'no'), v('c', null, { error_code: 'X' }), v('d', 0)])).toEqual({ passed: false, failing: ['b', 'c'] });
    expect(rowVerdict([v('a', 'yes'), v('p', 0)])).toEqual({ passed: true, failing: [] });
  });
});

describe('default judges and record shapes', () => {
  it('chooses judges from ground truth and retrieved context', () => {
    expect(defaultScorers({ expectations: { expected_facts: ['x'] }, hasRetrieval: true })).toEqual(['correctness', 'retrieval_sufficiency', 'retrieval_groundedness', 'safety']);
    expect(defaultScorers({ expectations: { expected_response: 'x' }, hasRetrieval: false })).toEqual(['correctness', 'safety']);
    expect(defaultScorers({ expectations: { guidelines: ['x'] }, hasRetrieval: true })).toEqual(['relevance_to_query', 'retrieval_relevance', 'retrieval_groundedness', 'safety']);
    expect(defaultScorers({ expectations: {}, hasRetrieval: false })).toEqual(['relevance_to_query', 'safety']);
  });

  it('maps the agent-evaluation shape onto inputs, outputs and expectations', () => {
    expect(parseEvalRecord({ request: 'hi', response: 'hello', expected_facts: ['greets'], retrieved_context: [{ content: 'c', doc_uri: 'u' }], request_id: 'r1' }, 'r')).toEqual({
      inputs: { request: 'hi' },
      outputs: 'hello',
      expectations: { expected_facts: ['greets'] },
      retrieved_context: [{ content: 'c', doc_uri: 'u' }],
      trace: null,
      request_id: 'r1',
      error: null,
    });
    expect(parseEvalRecord({ outputs: 'x' }, 'data.records[4]')).toEqual(["data.records[4].inputs: required (or give 'request' in the agent-evaluation shape)"]);
    expect(parseEvalRecord({ inputs: { q: 1 }, bogus: 1 }, 'r')).toEqual([expect.stringContaining('bogus')]);
  });
});

describe('comparison', () => {
  const r = (i: number, q: string, passed: boolean | null, status: CompareRow['status'] = 'done'): CompareRow => ({
    row_index: i,
    inputs: { q, meta: { a: 1, b: 2 } },
    status,
    passed,
    failing_judges: passed ? [] : ['x'],
  });

  it('matches rows by canonical inputs and classifies changes', () => {
    const a = [r(0, 'one', true), r(1, 'two', false), r(2, 'three', true), r(3, 'four', true), r(4, 'only a', true)];
    // Same inputs with keys in another order still match.
    const b = [{ ...r(0, 'four', null, 'errored'), inputs: { meta: { b: 2, a: 1 }, q: 'four' } }, r(1, 'three', true), r(2, 'two', true), r(3, 'one', false), r(4, 'only b', true)];
    const { changes, only_in_a, only_in_b } = compareRows(a, b);
    const kind = (q: string) => changes.find((c) => c.inputs.q === q)?.kind;
    expect([kind('one'), kind('two'), kind('three'), kind('four')]).toEqual(['regression', 'improvement', 'unchanged', 'regression']);
    expect([only_in_a, only_in_b]).toEqual([1, 1]);
  });

  it('puts metrics side by side with deltas', () => {
    expect(compareMetrics([{ m: 0.5, only_a: 1 }, { m: 0.75 }])).toEqual([
      { metric: 'm', values: [0.5, 0.75], delta: 0.25 },
      { metric: 'only_a', values: [1, null], delta: null },
    ]);
  });
});
