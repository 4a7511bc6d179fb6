/** Alert rule states and their history; the judge budget's use today and the pairs it deferred. */
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../domain/errors.ts';
import { alertsView } from '../../services/alert-views.ts';
import { budgetStatus } from '../../services/monitor-budget.ts';
import { getExperiment } from '../../storage/experiment-repository.ts';
import { findMonitor } from '../../storage/monitor-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { alertsJson, alertsQuery, budgetJson } from '../schemas/monitors.ts';
import { parseWith } from '../validate.ts';

export async function monitorAlertRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/monitor/alerts',
    { config: { role: 'reader' }, ...documented({ querystring: alertsQuery, response: { 200: alertsJson } }) },
    async (request) => {
      const { max_results } = parseWith(alertsQuery, request.query);
      return alertsView(ctx, request.params.id, max_results);
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/experiments/:id/monitor/budget', { config: { role: 'reader' }, ...documented({ response: { 200: budgetJson } }) }, async (request) => {
    const experiment = await getExperiment(ctx.db, request.params.id);
    const monitor = await findMonitor(ctx.db, Number(experiment.experiment_id));
    if (!monitor) throw notFound(`experiment_id: experiment '${request.params.id}' has no monitor`);
    return budgetStatus(ctx, monitor.experiment_id, monitor.config.budget);
  });
}
