/**
 * Agreement between a judge and people on the same traces: for yes/no and other categorical
 * feedback, the agreement rate, Cohen's kappa with a 95% confidence interval, the confusion matrix
 * and per-class precision and recall (people as the reference); for numeric feedback, the mean
 * absolute error and Pearson's correlation. Pure: the storage layer finds the pairs.
 */
import { canonicalJson } from './canonical-json.ts';
import type { JsonValue } from './json.ts';

/** One trace on which both a judge and a person gave feedback of the same name. */
export interface FeedbackPair {
  trace_id: string;
  judge_value: JsonValue;
  human_value: JsonValue;
  judge_rationale: string | null;
  human_rationale: string | null;
  judge_source_id: string | null;
  human_source_id: string | null;
}

export interface ClassScore {
  label: string;
  /** Of the traces the judge gave this label, the share people gave it too (null: the judge never did). */
  precision: number | null;
  /** Of the traces people gave this label, the share the judge gave it too (null: people never did). */
  recall: number | null;
  human_count: number;
  judge_count: number;
}

export interface Agreement {
  name: string;
  /** `numeric` when every value on both sides is a number (not a boolean); otherwise `categorical`. */
  value_type: 'categorical' | 'numeric';
  pairs: number;
  /** Share of pairs with the same label (numeric: the same value); null without pairs. */
  agreement: number | null;
  /** Cohen's kappa; null for numeric feedback, without pairs, or when both sides used one label only. */
  kappa: number | null;
  /** 95% interval of kappa from its large-sample standard error, clipped to [-1, 1]. */
  kappa_ci: [number, number] | null;
  /** The labels in the order of the matrix: yes, no, then the others sorted. Empty for numeric. */
  labels: string[];
  /** `confusion[human label][judge label]` = number of pairs. Empty for numeric. */
  confusion: Record<string, Record<string, number>>;
  per_class: ClassScore[];
  /** Numeric only: mean absolute difference judge − human. */
  mae: number | null;
  /** Numeric only: Pearson's correlation; null with fewer than two pairs or a constant side. */
  correlation: number | null;
  /** Every pair where they differ, by trace id. */
  disagreements: FeedbackPair[];
}

const Z95 = 1.959963984540054;

/** The label a value stands for: booleans and yes/true/no/false (any case) are `yes`/`no`. */
export function categoricalLabel(value: JsonValue): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (typeof value === 'string') {
    const text = value.trim();
    const lower = text.toLowerCase();
    if (lower === 'yes' || lower === 'true') return 'yes';
    if (lower === 'no' || lower === 'false') return 'no';
    return text;
  }
  if (typeof value === 'number') return String(value);
  return canonicalJson(value);
}

export function computeAgreement(name: string, pairs: readonly FeedbackPair[]): Agreement {
  const numeric = pairs.length > 0 && pairs.every((p) => typeof p.judge_value === 'number' && typeof p.human_value === 'number');
  return numeric ? numericAgreement(name, pairs) : categoricalAgreement(name, pairs);
}

function categoricalAgreement(name: string, pairs: readonly FeedbackPair[]): Agreement {
  const labelled = pairs.map((p) => ({ pair: p, human: categoricalLabel(p.human_value), judge: categoricalLabel(p.judge_value) }));
  const labels = orderLabels(new Set(labelled.flatMap((l) => [l.human, l.judge])));
  const confusion: Record<string, Record<string, number>> = {};
  for (const h of labels) confusion[h] = Object.fromEntries(labels.map((j) => [j, 0]));
  for (const l of labelled) confusion[l.human]![l.judge]! += 1;
  const n = pairs.length;
  const humanCount = (label: string) => labels.reduce((sum, j) => sum + confusion[label]![j]!, 0);
  const judgeCount = (label: string) => labels.reduce((sum, h) => sum + confusion[h]![label]!, 0);
  const agreed = labels.reduce((sum, label) => sum + confusion[label]![label]!, 0);
  const po = n === 0 ? null : agreed / n;
  const pe = n === 0 ? null : labels.reduce((sum, label) => sum + (humanCount(label) / n) * (judgeCount(label) / n), 0);
  let kappa: number | null = null;
  let kappaCi: [number, number] | null = null;
  if (po !== null && pe !== null && pe < 1 - 1e-12) {
    kappa = (po - pe) / (1 - pe);
    // Cohen's (1960) large-sample standard error of kappa.
    const se = Math.sqrt((po * (1 - po)) / (n * (1 - pe) ** 2));
    kappaCi = [Math.max(-1, kappa - Z95 * se), Math.min(1, kappa + Z95 * se)];
  }
  return {
    name,
    value_type: 'categorical',
    pairs: n,
    agreement: po,
    kappa,
    kappa_ci: kappaCi,
    labels,
    confusion,
    per_class: labels.map((label) => {
      const tp = confusion[label]![label]!;
      const h = humanCount(label);
      const j = judgeCount(label);
      return { label, precision: j === 0 ? null : tp / j, recall: h === 0 ? null : tp / h, human_count: h, judge_count: j };
    }),
    mae: null,
    correlation: null,
    disagreements: labelled.filter((l) => l.human !== l.judge).map((l) => l.pair),
  };
}

function numericAgreement(name: string, pairs: readonly FeedbackPair[]): Agreement {
  const h = pairs.map((p) => p.human_value as number);
  const j = pairs.map((p) => p.judge_value as number);
  const n = pairs.length;
  const same = pairs.filter((p) => p.judge_value === p.human_value).length;
  return {
    name,
    value_type: 'numeric',
    pairs: n,
    agreement: same / n,
    kappa: null,
    kappa_ci: null,
    labels: [],
    confusion: {},
    per_class: [],
    mae: h.reduce((sum, value, i) => sum + Math.abs(j[i]! - value), 0) / n,
    correlation: pearson(h, j),
    disagreements: pairs.filter((p) => p.judge_value !== p.human_value),
  };
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length < 2) return null;
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    const dx = xi - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  });
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

function orderLabels(labels: Set<string>): string[] {
  const rest = [...labels].filter((l) => l !== 'yes' && l !== 'no').sort();
  return [...(['yes', 'no'] as const).filter((l) => labels.has(l)), ...rest];
}
