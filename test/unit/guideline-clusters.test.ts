/** Guideline clusters against groups and counts worked out by hand (in the comments). */
import { describe, expect, it } from 'vitest';
import { coverage, guidelineClusters, guidelineKey, guidelineTokens, type GuidelinePair } from '../../src/domain/guideline-clusters.ts';

const POLITE = 'The response must use a polite tone.';
const REFUND = 'Always state the refund window in days.';
const NO_PRICES = 'Never quote prices.';

function pair(id: string, disagrees: boolean, guidelines: string[], judge: string | null = null, human: string | null = null): GuidelinePair {
  return { trace_id: id, disagrees, guidelines, judge_rationale: judge, human_rationale: human };
}

describe('normalizing guideline texts', () => {
  it('keeps content words in order, lower case, without punctuation or function words', () => {
    expect(guidelineTokens(POLITE)).toEqual(['response', 'use', 'polite', 'tone']);
    expect(guidelineKey('  use a POLITE tone!! ')).toBe('use polite tone');
    // Same tokens, same group; a different order is a different rule.
    expect(guidelineKey('The response must use a polite tone')).toBe(guidelineKey(POLITE));
    expect(guidelineKey('tone polite use response')).not.toBe(guidelineKey(POLITE));
  });

  it('measures how much of a guideline a rationale covers', () => {
    // {always, state, refund, window, days}: rationale holds refund, window → 2/5.
    expect(coverage(REFUND, new Set(guidelineTokens('It never gave the refund window.')))).toBeCloseTo(2 / 5, 12);
    expect(coverage('the of a', new Set(['the']))).toBe(0);
  });
});

describe('guideline clusters', () => {
  it('groups the disagreements of per-trace guidelines by text, hand-computed', () => {
    const pairs = [
      // t1, t2, t3, t4 carry the polite rule (two spellings); t1, t2, t3 disagree.
      pair('t1', true, [POLITE], 'Tone was polite.', 'It was rude to me.'),
      pair('t2', true, ['the response must use a POLITE tone'], 'Fine.', 'Not polite at all.'),
      pair('t3', true, [POLITE, REFUND], 'The refund window in days is stated.', 'Wrong refund window.'),
      pair('t4', false, [POLITE]),
      // t5, t6 carry the refund rule; t6 disagrees.
      pair('t5', false, [REFUND]),
      pair('t6', true, [REFUND, REFUND], 'ok', 'ok'),
      // The prices rule never disagrees: not listed.
      pair('t7', false, [NO_PRICES]),
    ];
    const clusters = guidelineClusters(pairs);
    expect(clusters).toEqual([
      {
        // Pairs t1–t4 = 4; disagreements t1, t2, t3 = 3. Named: t1 (rationales hold polite, tone = 2/4),
        // t2 (polite = 1/4 < 1/2: not named). t3: polite 0/4 vs refund {always, state, refund, window,
        // days}: state, refund, window, days = 4/5 → refund. So named = 1 (t1).
        guideline: POLITE,
        texts: [POLITE, 'the response must use a POLITE tone'],
        pairs: 4,
        disagreements: 3,
        disagreement_rate: 3 / 4,
        named: 1,
        trace_ids: ['t1', 't2', 't3'],
      },
      {
        // Pairs t3, t5, t6 = 3 (t6 once though listed twice); disagreements t3, t6 = 2; named: t3.
        guideline: REFUND,
        texts: [REFUND],
        pairs: 3,
        disagreements: 2,
        disagreement_rate: 2 / 3,
        named: 1,
        trace_ids: ['t3', 't6'],
      },
    ]);
  });

  it('with one configured list, the rationales tell the rules apart; ties name both', () => {
    const rules = [POLITE, REFUND, NO_PRICES];
    const clusters = guidelineClusters([
      pair('a', true, rules, 'The response quoted prices, breaking the rule.', null),
      pair('b', true, rules, null, 'It quoted prices again.'),
      pair('c', true, rules, 'Polite tone, and it does state the refund window in days.', null),
      pair('d', false, rules),
    ]);
    // Every rule: 4 pairs, 3 disagreements. Named: prices {never, quote, prices} — a: quoted≠quote,
    // prices → 1/3 < 1/2, not named by a; b: 1/3 too. c: polite {response, use, polite, tone} 2/4 and
    // refund 4/5 → refund only. So refund 1, the others 0, ordered by text.
    expect(clusters.map((c) => [c.guideline, c.pairs, c.disagreements, c.named])).toEqual([
      [REFUND, 4, 3, 1],
      [NO_PRICES, 4, 3, 0],
      [POLITE, 4, 3, 0],
    ]);
    expect(clusters[0]!.trace_ids).toEqual(['c', 'a', 'b']);
    // A tie at the top names both.
    const tie = guidelineClusters([pair('x', true, ['Be brief.', 'Be kind.'], 'Neither brief nor kind.', null)]);
    expect(tie.map((c) => [c.guideline, c.named])).toEqual([['Be brief.', 1], ['Be kind.', 1]]);
  });

  it('lists nothing without disagreements or guidelines', () => {
    expect(guidelineClusters([pair('a', false, [POLITE]), pair('b', true, [])])).toEqual([]);
  });
});
