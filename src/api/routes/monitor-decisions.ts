/** Why a trace was (not) scored by each scorer of its experiment's monitor. */
import type { FastifyInstance } from 'fastify';
import { explainTrace } from '../../services/monitor-explain.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { decisionsQuery, traceDecisionsJson } from '../schemas/monitors.ts';
import { parseWith } from '../validate.ts';

export async function monitorDecisionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { traceId: string } }>(
    '/api/v1/traces/:traceId/monitor-decisions',
    { config: { role: 'reader' }, ...documented({ response: { 200: traceDecisionsJson } }) },
    async (request) => explainTrace(ctx, request.params.traceId),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/monitor/decisions',
    { config: { role: 'reader' }, ...documented({ querystring: decisionsQuery, response: { 200: traceDecisionsJson } }) },
    async (request) => {
      const { trace_id } = parseWith(decisionsQuery, request.query);
      return explainTrace(ctx, trace_id, request.params.id);
    },
  );
}
