/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { queueDepth, registry } from '../../observability/metrics.ts';
import { pingDatabase } from '../../storage/connect.ts';
import type { AppContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', { config: { role: 'public' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { role: 'public' } }, async (_request, reply) => {
    if (ctx.lifecycle.shuttingDown) {
      return reply.code(503).send({ status: 'shutting_down' });
    }
    try {
      await pingDatabase(ctx.db);
    } catch {
      return reply.code(503).send({ status: 'database_unreachable' });
    }
    return { status: 'ready', database: ctx.dbKind, queue: ctx.queue.kind };
  });

  app.get('/metrics', { config: { role: 'public' } }, async (_request, reply) => {
    try {
      const counts = await ctx.queue.counts();
      for (const [state, n] of Object.entries(counts)) queueDepth.set({ state }, n);
    } catch {
      // The queue being unreachable must not hide every other metric.
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
