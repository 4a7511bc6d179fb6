/**
 * Where a guidelines judge and people disagree, which guideline texts the disagreements cluster on.
 * Deliberately simple so a user can check it by hand:
 *
 * - Guideline texts are grouped by their normalized tokens (lower case, words only, common function
 *   words dropped), so "Use a polite tone." and "use a polite tone" are one guideline.
 * - A pair (trace) *concerns* every guideline that applied to it: the judge's configured guidelines,
 *   or the trace's own `guidelines` expectation.
 * - A disagreement *names* the guideline(s) its rationales (judge's and person's together) cover
 *   best, when that coverage — the share of the guideline's tokens found in the rationales — is at
 *   least one half. The guidelines prompt asks the judge to name the rule it says is broken.
 *
 * Clusters are listed by named disagreements, then disagreements, then disagreement rate.
 */

/** One judge–human pair as far as guidelines are concerned. */
export interface GuidelinePair {
  trace_id: string;
  disagrees: boolean;
  /** The guideline texts that applied to this trace. */
  guidelines: readonly string[];
  judge_rationale: string | null;
  human_rationale: string | null;
}

export interface GuidelineCluster {
  /** The guideline as first written among the grouped texts. */
  guideline: string;
  /** Every distinct text grouped under it (as written). */
  texts: string[];
  /** Pairs the guideline applied to. */
  pairs: number;
  /** Of those, the pairs where judge and person disagree. */
  disagreements: number;
  /** disagreements / pairs. */
  disagreement_rate: number;
  /** Disagreements whose rationales name this guideline (best token coverage, at least one half). */
  named: number;
  /** The disagreeing traces this guideline applied to, named ones first, then by trace id. */
  trace_ids: string[];
}

/** The minimum share of a guideline's tokens the rationales must hold to name it. */
export const NAMED_COVERAGE = 0.5;

const STOPWORDS = new Set(
  ('a an the and or but of to in on at for by with from as is are be been was were it its this that these those ' +
    'must should shall will would can could may might not no do does any all each every than then so such very').split(' '),
);

/** The content tokens of a text: lower-case words and numbers, without common function words. */
export function guidelineTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => !STOPWORDS.has(t));
}

/** The key guideline texts are grouped by: their tokens in order (all tokens when every one is a stopword). */
export function guidelineKey(text: string): string {
  const tokens = guidelineTokens(text);
  return tokens.length > 0 ? tokens.join(' ') : (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

/** Share of the guideline's distinct tokens that occur in the rationale tokens. */
export function coverage(guideline: string, rationaleTokens: ReadonlySet<string>): number {
  const tokens = new Set(guidelineTokens(guideline));
  if (tokens.size === 0) return 0;
  let found = 0;
  for (const t of tokens) if (rationaleTokens.has(t)) found += 1;
  return found / tokens.size;
}

interface Acc {
  guideline: string;
  texts: string[];
  pairs: number;
  disagreements: number;
  named: Set<string>;
  traces: Set<string>;
}

export function guidelineClusters(pairs: readonly GuidelinePair[]): GuidelineCluster[] {
  const byKey = new Map<string, Acc>();
  for (const pair of pairs) {
    // One trace counts once per guideline even when the text is repeated.
    const keys = new Map<string, string>();
    for (const text of pair.guidelines) {
      const key = guidelineKey(text);
      if (key !== '' && !keys.has(key)) keys.set(key, text);
    }
    for (const [key, text] of keys) {
      let acc = byKey.get(key);
      if (!acc) byKey.set(key, (acc = { guideline: text, texts: [], pairs: 0, disagreements: 0, named: new Set(), traces: new Set() }));
      if (!acc.texts.includes(text)) acc.texts.push(text);
      acc.pairs += 1;
      if (pair.disagrees) {
        acc.disagreements += 1;
        acc.traces.add(pair.trace_id);
      }
    }
    if (!pair.disagrees) continue;
    const said = new Set(guidelineTokens(`${pair.judge_rationale ?? ''} ${pair.human_rationale ?? ''}`));
    const scored = [...keys].map(([key, text]) => ({ key, score: coverage(text, said) }));
    const best = Math.max(0, ...scored.map((s) => s.score));
    if (best < NAMED_COVERAGE) continue;
    for (const s of scored) if (s.score === best) byKey.get(s.key)!.named.add(pair.trace_id);
  }
  return [...byKey.values()]
    .filter((a) => a.disagreements > 0)
    .map((a) => ({
      guideline: a.guideline,
      texts: a.texts,
      pairs: a.pairs,
      disagreements: a.disagreements,
      disagreement_rate: a.disagreements / a.pairs,
      named: a.named.size,
      trace_ids: [...a.traces].sort((x, y) => Number(a.named.has(y)) - Number(a.named.has(x)) || (x < y ? -1 : x > y ? 1 : 0)),
    }))
    .sort((x, y) => y.named - x.named || y.disagreements - x.disagreements || y.disagreement_rate - x.disagreement_rate || x.guideline.localeCompare(y.guideline));
}
