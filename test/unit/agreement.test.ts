/** Judge–human agreement against values computed by hand (shown in the comments). */
import { describe, expect, it } from 'vitest';
import { categoricalLabel, computeAgreement, type FeedbackPair } from '../../src/domain/agreement.ts';
import type { JsonValue } from '../../src/domain/json.ts';

let counter = 0;
/** `count` pairs with these values. */
function pairs(count: number, human: JsonValue, judge: JsonValue): FeedbackPair[] {
  return Array.from({ length: count }, () => {
    counter += 1;
    return {
      trace_id: `tr-${String(counter).padStart(4, '0')}`,
      human_value: human,
      judge_value: judge,
      human_rationale: null,
      judge_rationale: null,
      human_source_id: 'ana',
      judge_source_id: 'gpt',
    };
  });
}

describe('categorical agreement', () => {
  it('yes/no: the 2x2 table, kappa 0.4 with its interval, precision and recall', () => {
    // human yes: judge yes 20, no 5; human no: judge yes 10, no 15. n = 50.
    // po = 35/50 = 0.7; pe = (25·30 + 25·20)/50² = 0.5; kappa = 0.2/0.5 = 0.4.
    // se = sqrt(0.7·0.3 / (50·0.5²)) = sqrt(0.0168) = 0.129615; ci = 0.4 ± 1.96·se.
    const all = [...pairs(20, 'yes', true), ...pairs(5, true, 'no'), ...pairs(10, 'No', 'yes'), ...pairs(15, false, 'FALSE')];
    const a = computeAgreement('relevance', all);
    expect(a.value_type).toBe('categorical');
    expect(a.pairs).toBe(50);
    expect(a.agreement).toBeCloseTo(0.7, 12);
    expect(a.kappa).toBeCloseTo(0.4, 12);
    expect(a.kappa_ci![0]).toBeCloseTo(0.4 - 1.959964 * 0.1296148, 5);
    expect(a.kappa_ci![1]).toBeCloseTo(0.4 + 1.959964 * 0.1296148, 5);
    expect(a.labels).toEqual(['yes', 'no']);
    expect(a.confusion).toEqual({ yes: { yes: 20, no: 5 }, no: { yes: 10, no: 15 } });
    expect(a.per_class).toEqual([
      { label: 'yes', precision: 20 / 30, recall: 20 / 25, human_count: 25, judge_count: 30 },
      { label: 'no', precision: 15 / 20, recall: 15 / 25, human_count: 25, judge_count: 20 },
    ]);
    expect(a.disagreements).toHaveLength(15);
    expect(a.mae).toBeNull();
  });

  it('three classes: kappa 35/53', () => {
    // rows human, columns judge (a b c): a 10 2 3 | b 1 8 1 | c 0 2 13. n = 40.
    // po = 31/40 = 0.775; judge totals 11 12 17, human 15 10 15;
    // pe = (15·11 + 10·12 + 15·17)/1600 = 540/1600 = 0.3375; kappa = 0.4375/0.6625 = 35/53.
    const all = [
      ...pairs(10, 'a', 'a'), ...pairs(2, 'a', 'b'), ...pairs(3, 'a', 'c'),
      ...pairs(1, 'b', 'a'), ...pairs(8, 'b', 'b'), ...pairs(1, 'b', 'c'),
      ...pairs(2, 'c', 'b'), ...pairs(13, 'c', 'c'),
    ];
    const a = computeAgreement('tone', all);
    expect(a.kappa).toBeCloseTo(35 / 53, 12);
    expect(a.agreement).toBeCloseTo(0.775, 12);
    expect(a.labels).toEqual(['a', 'b', 'c']);
    expect(a.confusion.c).toEqual({ a: 0, b: 2, c: 13 });
    expect(a.per_class.find((c) => c.label === 'c')).toEqual({ label: 'c', precision: 13 / 17, recall: 13 / 15, human_count: 15, judge_count: 17 });
  });

  it('complete disagreement is -1, perfect agreement on two labels is 1, on one label undefined', () => {
    // po = 0, pe = (5·5 + 5·5)/100 = 0.5 → kappa = -1.
    expect(computeAgreement('x', [...pairs(5, 'yes', 'no'), ...pairs(5, 'no', 'yes')]).kappa).toBeCloseTo(-1, 12);
    const perfect = computeAgreement('x', [...pairs(3, 'yes', 'yes'), ...pairs(2, 'no', 'no')]);
    expect(perfect.kappa).toBeCloseTo(1, 12);
    // se = 0 when po = 1: the interval is the point.
    expect(perfect.kappa_ci).toEqual([1, 1]);
    const single = computeAgreement('x', pairs(4, 'yes', 'yes'));
    expect(single).toMatchObject({ agreement: 1, kappa: null, kappa_ci: null, disagreements: [] });
  });

  it('no pairs: nothing to compare', () => {
    expect(computeAgreement('x', [])).toMatchObject({ pairs: 0, agreement: null, kappa: null, labels: [], disagreements: [] });
  });

  it('labels: booleans and yes/true/no/false of any case, other values as text', () => {
    expect([true, 'True', ' YES ', false, 'false', 'No', 'partly', 3, { a: 1 }].map((v) => categoricalLabel(v as JsonValue))).toEqual([
      'yes', 'yes', 'yes', 'no', 'no', 'no', 'partly', '3', '{"a":1}',
    ]);
  });
});

describe('numeric agreement', () => {
  it('mean absolute error and Pearson correlation', () => {
    // human 1 2 3 4 5, judge 2 2 4 4 5: |d| = 1 0 1 0 0 → mae 0.4; exact 3/5.
    // dh = -2 -1 0 1 2, dj = -1.4 -1.4 0.6 0.6 1.6: Σdh·dj = 8, Σdh² = 10, Σdj² = 7.2 → r = 8/√72 = 2√2/3.
    const all = [[1, 2], [2, 2], [3, 4], [4, 4], [5, 5]].flatMap(([h, j]) => pairs(1, h!, j!));
    const a = computeAgreement('score', all);
    expect(a.value_type).toBe('numeric');
    expect(a.mae).toBeCloseTo(0.4, 12);
    expect(a.correlation).toBeCloseTo((2 * Math.SQRT2) / 3, 12);
    expect(a.agreement).toBeCloseTo(0.6, 12);
    expect(a.kappa).toBeNull();
    expect(a.disagreements.map((d) => [d.human_value, d.judge_value])).toEqual([[1, 2], [3, 4]]);
  });

  it('a constant side has no correlation; a boolean on one side makes it categorical', () => {
    expect(computeAgreement('s', [...pairs(1, 1, 3), ...pairs(1, 2, 3)]).correlation).toBeNull();
    expect(computeAgreement('s', [...pairs(1, 1, 1), ...pairs(1, 0, true)]).value_type).toBe('categorical');
  });
});
