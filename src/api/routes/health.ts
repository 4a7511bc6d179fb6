/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { metricsText, readiness } from '../../services/health.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';

/** Why the process is (not) ready; 200 with the database and queue kinds, 503 with the reason. */
const readyJson = z.object({
  status: z.enum(['ready', 'shutting_down', 'database_unreachable']),
  database: z.string().optional(),
  queue: z.string().optional(),
});

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', { config: { role: 'public' }, ...documented({ response: { 200: z.object({ status: z.literal('ok') }) } }) }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { role: 'public' }, ...documented({ response: { 200: readyJson, 503: readyJson } }) }, async (_request, reply) => {
    const ready = await readiness(ctx);
    return reply.code(ready.ok ? 200 : 503).send(ready.body);
  });

  app.get('/metrics', { config: { role: 'public' }, ...documented({ response: { 200: { media: { 'text/plain': z.string().describe('Prometheus text exposition format') } } } }) }, async (_request, reply) => {
    const { contentType, text } = await metricsText(ctx);
    reply.header('content-type', contentType);
    return text;
  });
}
