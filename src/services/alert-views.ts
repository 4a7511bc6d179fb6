/** `GET …/monitor/alerts`: each rule of the monitor with its state, and the history of state changes. */
import type { AppContext } from './context.ts';
import { notFound } from '../domain/errors.ts';
import { alertHistory, alertStates } from '../storage/alert-repository.ts';
import { getExperiment } from '../storage/experiment-repository.ts';
import { findMonitor } from '../storage/monitor-repository.ts';

export async function alertsView(ctx: AppContext, experimentId: string, limit: number) {
  const experiment = await getExperiment(ctx.db, experimentId);
  const id = Number(experiment.experiment_id);
  const monitor = await findMonitor(ctx.db, id);
  if (!monitor) throw notFound(`experiment_id: experiment '${experimentId}' has no monitor`);
  const states = new Map((await alertStates(ctx.db, id)).map((s) => [s.name, s]));
  const alerts = (monitor.config.alerts ?? []).map((rule) => {
    const s = states.get(rule.name);
    return {
      name: rule.name,
      rule,
      state: s?.state ?? 'ok',
      since: s?.since.toISOString() ?? null,
      streak: s?.streak ?? 0,
      last_evaluated_at: s?.last_evaluated_at?.toISOString() ?? null,
      last_run_id: s?.last_run_id ?? null,
      value: s?.last_value ?? null,
      interval: s && s.last_low !== null && s.last_high !== null ? [s.last_low, s.last_high] : null,
      sample_size: s?.last_sample_size === null || s?.last_sample_size === undefined ? null : Number(s.last_sample_size),
    };
  });
  const history = (await alertHistory(ctx.db, id, limit)).map((e) => ({
    event_id: e.event_id,
    alert: e.alert,
    state: e.state,
    run_id: e.run_id,
    value: e.value,
    interval: e.low !== null && e.high !== null ? [e.low, e.high] : null,
    sample_size: e.sample_size === null ? null : Number(e.sample_size),
    threshold: e.threshold,
    time: e.created_at.toISOString(),
    deliveries: e.deliveries.map((d) => ({
      delivery_id: d.delivery_id,
      webhook: d.webhook,
      status: d.status,
      attempts: d.attempts,
      last_status: d.last_status,
      last_error: d.last_error,
      created_at: d.created_at.toISOString(),
      delivered_at: d.delivered_at?.toISOString() ?? null,
    })),
  }));
  return { alerts, history };
}
