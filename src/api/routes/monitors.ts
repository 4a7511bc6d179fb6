/** The monitor admin API: one config document per experiment, its runs, test and backfill. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { backfill, existingTraces } from '../../services/monitor-backfill.ts';
import { getMonitor, putMonitor, removeMonitor } from '../../services/monitor-config.ts';
import { runHistory, runView, startRunNow } from '../../services/monitor-runs.ts';
import { testMonitor } from '../../services/monitor-test.ts';
import { monitorConfigBody } from '../../domain/monitor-config.ts';
import { getExperiment } from '../../storage/experiment-repository.ts';
import { findMonitor } from '../../storage/monitor-repository.ts';
import { scoreTrends } from '../../storage/monitor-trends.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { backfillBody, backfillJson, monitorCreatedJson, monitorJson, runJson, runListJson, testReportJson, trendsJson, trendsQuery } from '../schemas/monitors.ts';
import { parseWith } from '../validate.ts';

type P = { Params: { id: string } };
const BASE = '/api/v1/experiments/:id/monitor';

/** The latest runs; start_time/end_time bound when they were created (the console's time range). */
const runsQuery = z.object({
  max_results: z.coerce.number().int().min(1).max(500).default(50),
  start_time: z.iso.datetime({ offset: true }).optional(),
  end_time: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The chart's numbers as a user can read them from the results view with any SQL client: the
 * monitor's verdicts (those with a run id) per run or per UTC hour, within the page's time range.
 */
function trendsSql(schema: string, experimentId: number, bucket: 'run' | 'hour', bounds: { from?: number; to?: number } = {}): string {
  const key = bucket === 'run' ? 'run_id' : `date_trunc('hour', request_time, 'UTC') as hour`;
  const range = [
    ...(bounds.from === undefined ? [] : [`  and request_time >= timestamptz '${new Date(bounds.from).toISOString()}'`]),
    ...(bounds.to === undefined ? [] : [`  and request_time < timestamptz '${new Date(bounds.to).toISOString()}'`]),
  ];
  return [
    `select ${key}, name as scorer,`,
    `       count(numeric_value) filter (where error is null) as n,`,
    `       count(*) filter (where error is not null) as errors,`,
    `       avg(numeric_value) filter (where error is null) as value`,
    `from "${schema}".assessment_logs_${experimentId}`,
    `where kind = 'feedback' and run_id is not null`,
    ...range,
    `group by 1, 2`,
    bucket === 'run' ? `order by min(create_time), 2;` : `order by 1, 2;`,
  ].join('\n');
}

const testBody = z
  .object({
    max_traces: z.number().int().min(1).max(200).optional(),
    scorers: z.array(z.unknown()).optional(),
    filter_string: z.string().optional(),
  })
  .strict();

export async function monitorRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<P>(BASE, { config: { role: 'reader' }, ...documented({ response: { 200: monitorJson } }) }, async (request, reply) => {
    const view = await getMonitor(ctx, request.params.id);
    return reply.header('etag', view.etag).send(view);
  });

  app.put<P>(BASE, { config: { role: 'admin' }, ...documented({ body: monitorConfigBody, response: { 200: monitorJson, 201: monitorCreatedJson } }) }, async (request, reply) => {
    const ifMatch = request.headers['if-match'];
    const { view, created } = await putMonitor(ctx, request.params.id, request.body, {
      ifMatch: Array.isArray(ifMatch) ? ifMatch[0] : ifMatch,
      user: request.principal.name,
    });
    if (!created) return reply.code(200).header('etag', view.etag).send(view);
    // A new monitor starts from now: say what it leaves out and what judging that would cost.
    return reply.code(201).header('etag', view.etag).send({ ...view, existing_traces: await existingTraces(ctx, view.experiment_id) });
  });

  app.delete<P>(BASE, { config: { role: 'admin' }, ...documented({ response: { 204: null } }) }, async (request, reply) => {
    await removeMonitor(ctx, request.params.id);
    return reply.code(204).send();
  });

  app.post<P>(`${BASE}/run`, { config: { role: 'admin' }, ...documented({ body: null, response: { 202: z.object({ run: runJson }) } }) }, async (request, reply) => {
    const run = await startRunNow(ctx, request.params.id);
    return reply.code(202).send({ run: runView(run) });
  });

  app.get<P>(`${BASE}/runs`, { config: { role: 'reader' }, ...documented({ querystring: runsQuery, response: { 200: runListJson } }) }, async (request) => {
    const query = parseWith(runsQuery, request.query);
    const bounds = {
      ...(query.start_time ? { from: Date.parse(query.start_time) } : {}),
      ...(query.end_time ? { to: Date.parse(query.end_time) } : {}),
    };
    return { runs: await runHistory(ctx, request.params.id, query.max_results, bounds) };
  });

  app.post<P>(`${BASE}/test`, { config: { role: 'admin' }, ...documented({ body: testBody, response: { 200: testReportJson } }) }, async (request) => {
    const body = parseWith(testBody, request.body ?? {});
    return testMonitor(ctx, request.params.id, body);
  });

  app.post<P>(`${BASE}/backfill`, { config: { role: 'admin' }, ...documented({ body: backfillBody, response: { 200: backfillJson, 202: backfillJson } }) }, async (request, reply) => {
    const result = await backfill(ctx, request.params.id, request.body ?? {});
    return reply.code(result.confirmed ? 202 : 200).send(result);
  });

  app.get<P>(`${BASE}/trends`, { config: { role: 'reader' }, ...documented({ querystring: trendsQuery, response: { 200: trendsJson } }) }, async (request) => {
    const query = parseWith(trendsQuery, request.query);
    const experiment = await getExperiment(ctx.db, request.params.id);
    const id = Number(experiment.experiment_id);
    const monitor = await findMonitor(ctx.db, id);
    const bounds = {
      ...(query.start_time ? { from: Date.parse(query.start_time) } : {}),
      ...(query.end_time ? { to: Date.parse(query.end_time) } : {}),
    };
    const points = await scoreTrends(ctx.db, id, { bucket: query.bucket, limit: query.max_points, ...bounds });
    return { bucket: query.bucket, points, sql: monitor ? trendsSql(monitor.results_schema, id, query.bucket, bounds) : null };
  });
}
