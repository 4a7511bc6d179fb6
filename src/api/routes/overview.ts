/**
 * An experiment's overview for the dashboard: volume, errors, latency, tokens and cost over a range,
 * judge calls and spend per day, and the SQL that gives the same numbers from the results tables.
 * Scorer pass rates over time come from the monitor's trends route.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import { getExperiment } from '../../storage/experiment-repository.ts';
import { judgeSpend, traceVolume } from '../../storage/experiment-overview.ts';
import { findMonitor } from '../../storage/monitor-repository.ts';
import type { AppContext } from '../context.ts';
import { documented } from '../openapi-schema.ts';
import { parseWith } from '../validate.ts';

const DAY = 86_400_000;
/** A range longer than this in hours is answered per day. */
const MAX_HOURLY_MS = 7 * DAY;
const MAX_RANGE_MS = 400 * DAY;

const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');

const overviewQuery = z
  .object({
    start_time: time.optional(),
    end_time: time.optional(),
    bucket: z.enum(['hour', 'day']).optional(),
  })
  .strict();

const volumePoint = z.object({
  time: z.string(),
  traces: z.number(),
  errors: z.number(),
  latency_p50_ms: z.number().nullable(),
  latency_p95_ms: z.number().nullable(),
  total_tokens: z.number(),
  cost: z.number(),
});

const overviewJson = z.object({
  experiment_id: z.string(),
  start_time: z.string(),
  end_time: z.string(),
  bucket: z.enum(['hour', 'day']),
  totals: volumePoint,
  volume: z.array(volumePoint),
  judge: z.array(z.object({ day: z.string(), judge_calls: z.number(), judge_errors: z.number(), input_tokens: z.number(), output_tokens: z.number(), cost: z.number() })),
  sql: z.object({ volume: z.string(), judge: z.string() }).nullable(),
});

function overviewSql(schema: string, experimentId: number, bucket: 'hour' | 'day') {
  const logs = `"${schema}".trace_logs_${experimentId}`;
  return {
    volume: [
      `select date_trunc('${bucket}', request_time) as ${bucket}, count(*) as traces,`,
      `       count(*) filter (where state = 'ERROR') as errors,`,
      `       percentile_cont(0.5) within group (order by execution_duration_ms) as latency_p50_ms,`,
      `       percentile_cont(0.95) within group (order by execution_duration_ms) as latency_p95_ms,`,
      `       sum(total_tokens) as total_tokens, sum(cost) as cost`,
      `from ${logs}`,
      `group by 1 order by 1;`,
    ].join('\n'),
    judge: [
      `select date_trunc('day', create_time) as day, count(*) as judge_calls,`,
      `       count(*) filter (where error is not null) as judge_errors`,
      `from "${schema}".assessment_logs_${experimentId}`,
      `where source_type = 'LLM_JUDGE'`,
      `group by 1 order by 1;`,
    ].join('\n'),
  };
}

export async function overviewRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/v1/experiments/:id/overview', { config: { role: 'reader' }, ...documented({ querystring: overviewQuery, response: { 200: overviewJson } }) }, async (request) => {
    const query = parseWith(overviewQuery, request.query);
    const experiment = await getExperiment(ctx.db, request.params.id);
    const id = Number(experiment.experiment_id);
    const to = query.end_time ? Date.parse(query.end_time) : Date.now();
    const from = query.start_time ? Date.parse(query.start_time) : to - DAY;
    if (from >= to) throw invalid('start_time: must be before end_time');
    if (to - from > MAX_RANGE_MS) throw invalid('start_time: the range is at most 400 days');
    const bucket = query.bucket ?? (to - from > MAX_HOURLY_MS ? 'day' : 'hour');
    if (bucket === 'hour' && to - from > MAX_HOURLY_MS) throw invalid('bucket: hourly buckets need a range of at most 7 days');
    const [volume, judge, monitor] = await Promise.all([
      traceVolume(ctx.db, id, { from, to }, bucket),
      judgeSpend(ctx.db, id, { from, to }),
      findMonitor(ctx.db, id),
    ]);
    return {
      experiment_id: experiment.experiment_id,
      start_time: new Date(from).toISOString(),
      end_time: new Date(to).toISOString(),
      bucket,
      totals: volume.totals,
      volume: volume.points,
      judge,
      sql: monitor ? overviewSql(monitor.results_schema, id, bucket) : null,
    };
  });
}
