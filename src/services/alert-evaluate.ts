/**
 * Alert rules, evaluated after every monitoring run (not after backfills).
 *
 * A rule measures its metric over its window with an interval at its confidence level and holds
 * when the whole interval lies past the threshold (trace counts are exact). It fires once it held
 * in `for_evaluations` consecutive evaluations and resolves at the first evaluation where it does
 * not. Each state change is recorded and, in the same transaction, becomes one delivery per webhook
 * of the rule; a run is evaluated once per rule, however often its job runs.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.ts';
import type { AlertRule } from '../domain/alert-rules.ts';
import { meanInterval, whollyPast, wilsonInterval } from '../domain/alert-stats.ts';
import { alertFiring, alertTransitions } from '../observability/alert-metrics.ts';
import { enqueueAlertDelivery } from '../queue/jobs.ts';
import { alertStates, insertAlertEvent, insertDelivery, lockAlertState, saveAlertState } from '../storage/alert-repository.ts';
import { traceCount, verdictStats } from '../storage/alert-window.ts';
import { deferredCount } from '../storage/budget-repository.ts';
import type { Executor } from '../storage/connect.ts';
import { findExperiment } from '../storage/experiment-repository.ts';
import { findMonitor, findRun } from '../storage/monitor-repository.ts';
import { messageBody, type AlertChange } from './alert-message.ts';
import { refreshBudgetGauges } from './monitor-budget.ts';

export interface Measurement {
  value: number | null;
  low: number | null;
  high: number | null;
  sample_size: number;
  held: boolean;
}

export async function measureRule(db: Executor, experimentId: number, rule: AlertRule, now: Date): Promise<Measurement> {
  if (rule.metric === 'deferred_pairs') {
    const count = await deferredCount(db, experimentId);
    const held = rule.op === '<' ? count < rule.threshold : count > rule.threshold;
    return { value: count, low: count, high: count, sample_size: count, held };
  }
  if (rule.metric === 'trace_count') {
    const count = await traceCount(db, experimentId, rule.window, now);
    const held = rule.op === '<' ? count < rule.threshold : count > rule.threshold;
    return { value: count, low: count, high: count, sample_size: count, held };
  }
  const stats = await verdictStats(db, experimentId, rule.scorer, rule.window, now);
  if (rule.metric === 'judge_error_rate') {
    const rate = stats.total === 0 ? null : stats.errors / stats.total;
    const interval = wilsonInterval(rate ?? 0, stats.total, rule.confidence);
    return { value: rate, ...interval, sample_size: stats.total, held: stats.total > 0 && whollyPast(interval, rule.op, rule.threshold) };
  }
  if (rule.metric === 'pass_rate') {
    // Only pass/fail verdicts are passes or failures: a number (a latency, a 1-5 score) is neither.
    const n = stats.pass_fail;
    const rate = n === 0 ? null : stats.passes / n;
    const interval = wilsonInterval(rate ?? 0, n, rule.confidence);
    return { value: rate, ...interval, sample_size: n, held: n > 0 && whollyPast(interval, rule.op, rule.threshold) };
  }
  const interval = stats.mean === null ? null : meanInterval(stats.mean, stats.sd, stats.n, rule.confidence);
  return { value: stats.mean, low: interval?.low ?? null, high: interval?.high ?? null, sample_size: stats.n, held: whollyPast(interval, rule.op, rule.threshold) };
}

/**
 * A rule taken out of the monitor document (or renamed) reports no state any more: its gauge goes,
 * so /metrics does not show a rule that no longer exists as firing. Its recorded state and history stay.
 */
async function forgetRemovedRules(ctx: AppContext, experimentId: number, rules: readonly AlertRule[]): Promise<void> {
  const current = new Set(rules.map((r) => r.name));
  for (const state of await alertStates(ctx.db, experimentId)) {
    if (!current.has(state.name)) alertFiring.remove({ experiment_id: String(experimentId), alert: state.name });
  }
}

/** Whether run `otherId` finished after `run` (the order in which a monitor's runs are evaluated). */
async function finishedAfter(db: Executor, otherId: string, run: { run_id: string; finished_at: Date | null }): Promise<boolean> {
  const other = await findRun(db, otherId);
  if (!other?.finished_at || !run.finished_at) return false;
  const a = other.finished_at.getTime();
  const b = run.finished_at.getTime();
  return a > b || (a === b && other.run_id > run.run_id);
}

/** Evaluates every rule of the monitor after run `runId`; returns the state changes made. */
export async function evaluateAlerts(ctx: AppContext, runId: string): Promise<AlertChange[]> {
  const run = await findRun(ctx.db, runId);
  if (!run || run.status !== 'succeeded') return [];
  await refreshBudgetGauges(ctx, run.experiment_id);
  if (run.kind === 'backfill') return [];
  const monitor = await findMonitor(ctx.db, run.experiment_id);
  const rules = monitor?.config.alerts ?? [];
  await forgetRemovedRules(ctx, run.experiment_id, rules);
  if (!monitor || rules.length === 0) return [];
  const experiment = await findExperiment(ctx.db, String(run.experiment_id));
  const hooks = new Map((monitor.config.webhooks ?? []).map((h) => [h.name, h]));
  const changes: AlertChange[] = [];
  const deliveries: string[] = [];
  const now = new Date();
  for (const rule of rules) {
    const m = await measureRule(ctx.db, run.experiment_id, rule, now);
    await ctx.db.transaction().execute(async (trx) => {
      const state = await lockAlertState(trx, run.experiment_id, rule.name);
      if (state.last_run_id === runId) return;
      // A late job for an older run (retried, or re-sent) would count the present window once more.
      if (state.last_run_id !== null && (await finishedAfter(trx, state.last_run_id, run))) return;
      const streak = m.held ? state.streak + 1 : 0;
      const next = state.state === 'ok' && m.held && streak >= rule.for_evaluations ? 'firing' : state.state === 'firing' && !m.held ? 'ok' : state.state;
      const changed = next !== state.state;
      await saveAlertState(trx, {
        experiment_id: run.experiment_id,
        name: rule.name,
        state: next,
        streak,
        last_run_id: runId,
        last_value: m.value,
        last_low: m.low,
        last_high: m.high,
        last_sample_size: m.sample_size,
        changed,
      });
      alertFiring.set({ experiment_id: String(run.experiment_id), alert: rule.name }, next === 'firing' ? 1 : 0);
      if (!changed) return;
      const change: AlertChange = {
        event_id: `ae-${randomUUID().replaceAll('-', '')}`,
        state: next === 'firing' ? 'firing' : 'resolved',
        rule,
        experiment_id: run.experiment_id,
        experiment_name: experiment?.name ?? String(run.experiment_id),
        run_id: runId,
        value: m.value,
        low: m.low,
        high: m.high,
        sample_size: m.sample_size,
        at: now,
      };
      await insertAlertEvent(trx, {
        event_id: change.event_id,
        experiment_id: run.experiment_id,
        alert: rule.name,
        state: change.state,
        run_id: runId,
        value: m.value,
        low: m.low,
        high: m.high,
        sample_size: m.sample_size,
        threshold: rule.threshold,
        rule: { ...rule },
      });
      for (const name of rule.webhooks) {
        const hook = hooks.get(name);
        if (!hook) continue;
        const deliveryId = `ad-${randomUUID().replaceAll('-', '')}`;
        await insertDelivery(trx, {
          delivery_id: deliveryId,
          event_id: change.event_id,
          webhook: hook.name,
          url: hook.url,
          secret_env: hook.secret_env ?? null,
          body: messageBody(hook, change, deliveryId, ctx.config.publicUrl),
        });
        deliveries.push(deliveryId);
      }
      changes.push(change);
    });
  }
  for (const change of changes) {
    alertTransitions.inc({ state: change.state });
    ctx.log.info({ experiment_id: change.experiment_id, alert: change.rule.name, state: change.state, value: change.value, run_id: runId }, 'alert state changed');
  }
  for (const id of deliveries) await enqueueAlertDelivery(ctx.queue, id, ctx.config.webhooks);
  return changes;
}
