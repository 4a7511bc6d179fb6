/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { metricsText, readiness } from '../../services/health.ts';
import type { AppContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', { config: { role: 'public' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { role: 'public' } }, async (_request, reply) => {
    const ready = await readiness(ctx);
    return reply.code(ready.ok ? 200 : 503).send(ready.body);
  });

  app.get('/metrics', { config: { role: 'public' } }, async (_request, reply) => {
    const { contentType, text } = await metricsText(ctx);
    reply.header('content-type', contentType);
    return text;
  });
}
