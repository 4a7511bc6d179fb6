/** How a feedback value is shown: yes/no as coloured chips, numbers as numbers, errors marked. */
export type Verdict =
  | { kind: 'pass'; label: string }
  | { kind: 'fail'; label: string }
  | { kind: 'number'; label: string; value: number }
  | { kind: 'error'; label: string }
  | { kind: 'text'; label: string }
  | { kind: 'none'; label: string };

export interface FeedbackLike {
  feedback?: { value?: unknown; error?: { error_code: string; error_message: string } | null } | undefined;
  expectation?: { value?: unknown } | undefined;
}

export function verdictOf(a: FeedbackLike): Verdict {
  if (a.feedback?.error) return { kind: 'error', label: a.feedback.error.error_code };
  const value = a.feedback ? a.feedback.value : a.expectation?.value;
  if (value === undefined || value === null) return { kind: 'none', label: '—' };
  if (value === true || (typeof value === 'string' && value.toLowerCase() === 'yes')) return { kind: 'pass', label: 'yes' };
  if (value === false || (typeof value === 'string' && value.toLowerCase() === 'no')) return { kind: 'fail', label: 'no' };
  if (typeof value === 'number') return { kind: 'number', label: formatNumber(value), value };
  if (typeof value === 'string') return { kind: 'text', label: value };
  return { kind: 'text', label: JSON.stringify(value) };
}

/** Sort key of a verdict so a feedback column sorts fails first, then numbers, then passes. */
export function verdictRank(v: Verdict | undefined): number {
  if (!v) return 99;
  switch (v.kind) {
    case 'error': return 0;
    case 'fail': return 1;
    case 'number': return 2 + 1 / (1 + Math.exp(-v.value));
    case 'text': return 4;
    case 'pass': return 5;
    case 'none': return 6;
  }
}

/** A score as written: 0.7 is "0.7" (not "0.700"), three significant digits at most, thousands separated. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return n.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return '—';
  if (cost === 0) return '$0';
  return cost < 0.01 ? `$${cost.toPrecision(2)}` : `$${cost.toFixed(2)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Feedback names present on a page of traces, in first-seen order: one column each. */
export function feedbackNames(traces: ReadonlyArray<{ assessments?: ReadonlyArray<{ assessment_name: string; valid: boolean; feedback?: unknown }> }>): string[] {
  const names = new Set<string>();
  for (const t of traces) for (const a of t.assessments ?? []) if (a.valid && a.feedback !== undefined) names.add(a.assessment_name);
  return [...names].sort();
}
