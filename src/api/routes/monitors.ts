/** The monitor admin API: one config document per experiment, its runs, test and backfill. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { backfill } from '../../services/monitor-backfill.ts';
import { getMonitor, putMonitor, removeMonitor } from '../../services/monitor-config.ts';
import { runHistory, runView, startRunNow } from '../../services/monitor-runs.ts';
import { testMonitor } from '../../services/monitor-test.ts';
import type { AppContext } from '../context.ts';
import { parseWith } from '../validate.ts';

type P = { Params: { id: string } };
const BASE = '/api/v1/experiments/:id/monitor';

const testBody = z
  .object({
    max_traces: z.number().int().min(1).max(200).optional(),
    scorers: z.array(z.unknown()).optional(),
    filter_string: z.string().optional(),
  })
  .strict();

export async function monitorRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<P>(BASE, async (request, reply) => {
    const view = await getMonitor(ctx, request.params.id);
    return reply.header('etag', view.etag).send(view);
  });

  app.put<P>(BASE, { config: { role: 'admin' } }, async (request, reply) => {
    const ifMatch = request.headers['if-match'];
    const { view, created } = await putMonitor(ctx, request.params.id, request.body, {
      ifMatch: Array.isArray(ifMatch) ? ifMatch[0] : ifMatch,
      user: request.principal.name,
    });
    return reply.code(created ? 201 : 200).header('etag', view.etag).send(view);
  });

  app.delete<P>(BASE, { config: { role: 'admin' } }, async (request, reply) => {
    await removeMonitor(ctx, request.params.id);
    return reply.code(204).send();
  });

  app.post<P>(`${BASE}/run`, { config: { role: 'admin' } }, async (request, reply) => {
    const run = await startRunNow(ctx, request.params.id);
    return reply.code(202).send({ run: runView(run) });
  });

  app.get<P>(`${BASE}/runs`, async (request) => {
    const { max_results } = parseWith(z.object({ max_results: z.coerce.number().int().min(1).max(500).default(50) }), request.query);
    return { runs: await runHistory(ctx, request.params.id, max_results) };
  });

  app.post<P>(`${BASE}/test`, { config: { role: 'admin' } }, async (request) => {
    const body = parseWith(testBody, request.body ?? {});
    return testMonitor(ctx, request.params.id, body);
  });

  app.post<P>(`${BASE}/backfill`, { config: { role: 'admin' } }, async (request, reply) => {
    const result = await backfill(ctx, request.params.id, request.body ?? {});
    return reply.code(result.confirmed ? 202 : 200).send(result);
  });
}
