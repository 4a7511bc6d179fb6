/** Prometheus metrics of alert rules, webhook deliveries and judge budgets. */
import { Counter, Gauge } from 'prom-client';
import { registry } from './metrics.ts';

export const alertFiring = new Gauge({
  name: 'assay_monitor_alert_firing',
  help: 'Alert rule state after its last evaluation in this process: 1 firing, 0 ok',
  labelNames: ['experiment_id', 'alert'] as const,
  registers: [registry],
});

export const alertTransitions = new Counter({
  name: 'assay_monitor_alert_transitions_total',
  help: 'Alert state changes, by new state (firing, resolved)',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const alertDeliveries = new Counter({
  name: 'assay_alert_deliveries_total',
  help: 'Webhook delivery tries, by outcome (delivered, retry, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const budgetUsed = new Gauge({
  name: 'assay_monitor_budget_used',
  help: "A monitor's judge budget use in the current UTC day, by resource (judge_calls, tokens, cost_usd)",
  labelNames: ['experiment_id', 'resource'] as const,
  registers: [registry],
});

export const budgetDeferred = new Gauge({
  name: 'assay_monitor_deferred_pairs',
  help: '(trace, scorer) pairs waiting for a monitor judge budget to renew',
  labelNames: ['experiment_id'] as const,
  registers: [registry],
});

export const budgetDeferrals = new Counter({
  name: 'assay_monitor_budget_deferrals_total',
  help: '(trace, scorer) pairs deferred by a spent judge budget (a pair deferred in two runs counts twice)',
  registers: [registry],
});
