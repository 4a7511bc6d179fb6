/** Alert rule states and their history. */
import type { FastifyInstance } from 'fastify';
import { alertsView } from '../../services/alert-views.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { alertsJson, alertsQuery } from '../schemas/monitors.ts';
import { parseWith } from '../validate.ts';

export async function monitorAlertRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/monitor/alerts',
    documented({ querystring: alertsQuery, response: { 200: alertsJson } }),
    async (request) => {
      const { max_results } = parseWith(alertsQuery, request.query);
      return alertsView(ctx, request.params.id, max_results);
    },
  );
}
