/**
 * What a webhook receives when an alert changes state: a generic JSON body for programs, or a
 * Slack incoming-webhook message. Both name the monitor, the scorer, the value with its interval
 * and sample size, the threshold, and a console link to the traces behind it.
 */
import type { AlertRule, Webhook } from '../domain/alert-rules.ts';

export interface AlertChange {
  event_id: string;
  state: 'firing' | 'resolved';
  rule: AlertRule;
  experiment_id: number;
  experiment_name: string;
  run_id: string;
  value: number | null;
  low: number | null;
  high: number | null;
  sample_size: number;
  at: Date;
}

/** The console's traces page, filtered to the traces behind the rule (failed verdicts of its scorer). */
export function tracesLink(publicUrl: string, change: AlertChange): string {
  const { rule } = change;
  const params = new URLSearchParams({ exp: String(change.experiment_id) });
  if ('minutes' in rule.window) {
    params.set('range', 'custom');
    params.set('from', String(change.at.getTime() - rule.window.minutes * 60_000));
    params.set('to', String(change.at.getTime()));
  } else {
    params.set('range', 'all');
  }
  if (rule.scorer && rule.metric === 'pass_rate') params.set('filter', `feedback.${quoteName(rule.scorer)} = 'no'`);
  else if (rule.scorer && rule.metric === 'mean') params.set('filter', `feedback.${quoteName(rule.scorer)} ${rule.op} ${rule.threshold}`);
  return `${publicUrl}/traces?${params.toString()}`;
}

function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name}\``;
}

function windowText(rule: AlertRule): string {
  if ('runs' in rule.window) return rule.window.runs === 1 ? 'the last run' : `the last ${rule.window.runs} runs`;
  const m = rule.window.minutes;
  return m % 60 === 0 ? `the last ${m / 60} h` : `the last ${m} min`;
}

const METRIC_TEXT: Record<AlertRule['metric'], string> = {
  pass_rate: 'pass rate',
  mean: 'mean',
  judge_error_rate: 'judge error rate',
  trace_count: 'trace count',
  deferred_pairs: 'pairs deferred by the judge budget',
};

function num(x: number | null): string {
  if (x === null) return 'n/a';
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

export function summaryText(change: AlertChange): string {
  const { rule } = change;
  const subject = `${rule.scorer ? `${rule.scorer} ` : ''}${METRIC_TEXT[rule.metric]}`;
  const interval = change.low !== null && change.high !== null && rule.metric !== 'trace_count' && rule.metric !== 'deferred_pairs'
    ? ` (${Math.round(rule.confidence * 100)}% interval ${num(change.low)}–${num(change.high)}, n = ${change.sample_size})`
    : ` (n = ${change.sample_size})`;
  const verb = change.state === 'firing' ? 'FIRING' : 'RESOLVED';
  return `[${verb}] ${rule.name}: ${subject} ${num(change.value)}${interval}, threshold ${rule.op} ${rule.threshold} over ${windowText(rule)} — experiment ${change.experiment_name} (${change.experiment_id})`;
}

export function messageBody(hook: Webhook, change: AlertChange, deliveryId: string, publicUrl: string): string {
  const link = tracesLink(publicUrl, change);
  const text = summaryText(change);
  if (hook.format === 'slack') {
    return JSON.stringify({
      text: `${text}\n<${link}|Traces>`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
        { type: 'section', text: { type: 'mrkdwn', text: `<${link}|Open the traces in Assay>` } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `run ${change.run_id} · delivery ${deliveryId}` }] },
      ],
    });
  }
  const { rule } = change;
  return JSON.stringify({
    alert: rule.name,
    state: change.state,
    monitor: change.experiment_name,
    experiment_id: String(change.experiment_id),
    scorer: rule.scorer ?? null,
    metric: rule.metric,
    op: rule.op,
    threshold: rule.threshold,
    value: change.value,
    interval: [change.low, change.high],
    confidence: rule.confidence,
    sample_size: change.sample_size,
    window: rule.window,
    for_evaluations: rule.for_evaluations,
    run_id: change.run_id,
    event_id: change.event_id,
    delivery_id: deliveryId,
    time: change.at.toISOString(),
    traces_url: link,
    summary: text,
  });
}
