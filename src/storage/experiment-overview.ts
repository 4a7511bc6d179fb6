/**
 * An experiment's overview over a time range: trace volume, errors, latency percentiles, tokens and
 * cost per hour or day, and the judge calls and judge spend per day (from the judges' assessment
 * metadata). Two grouped statements over the trace and assessment tables.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export type OverviewBucket = 'hour' | 'day';

export interface VolumePoint {
  time: string;
  traces: number;
  errors: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  total_tokens: number;
  cost: number;
}

export interface JudgePoint {
  day: string;
  judge_calls: number;
  judge_errors: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

export interface OverviewRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const maybe = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function traceVolume(db: Executor, experimentId: number, range: OverviewRange, bucket: OverviewBucket): Promise<{ points: VolumePoint[]; totals: VolumePoint }> {
  const unit = sql.lit(bucket);
  const rows = await sql<Record<string, unknown>>`
    select to_char(b, 'YYYY-MM-DD"T"HH24:00:00"Z"') as time,
           grouping(b) as is_total,
           count(*) as traces,
           count(*) filter (where state = 'ERROR') as errors,
           percentile_cont(0.5) within group (order by execution_duration_ms) as p50,
           percentile_cont(0.95) within group (order by execution_duration_ms) as p95,
           coalesce(sum(total_tokens), 0) as tokens,
           coalesce(sum(cost), 0) as cost
    from (
      select date_trunc(${unit}, to_timestamp(request_time / 1000.0) at time zone 'UTC') as b, state, execution_duration_ms, total_tokens, cost
      from assay.trace
      where experiment_id = ${experimentId} and request_time >= ${range.from} and request_time < ${range.to}
    ) t
    group by rollup (b)
    order by grouping(b) desc, b`.execute(db);
  const toPoint = (r: Record<string, unknown>): VolumePoint => ({
    time: String(r.time ?? ''),
    traces: num(r.traces),
    errors: num(r.errors),
    latency_p50_ms: maybe(r.p50),
    latency_p95_ms: maybe(r.p95),
    total_tokens: num(r.tokens),
    cost: num(r.cost),
  });
  const total = rows.rows.find((r) => Number(r.is_total) === 1);
  return {
    points: rows.rows.filter((r) => Number(r.is_total) !== 1).map(toPoint),
    totals: total ? { ...toPoint(total), time: '' } : { time: '', traces: 0, errors: 0, latency_p50_ms: null, latency_p95_ms: null, total_tokens: 0, cost: 0 },
  };
}

export async function judgeSpend(db: Executor, experimentId: number, range: OverviewRange): Promise<JudgePoint[]> {
  const rows = await sql<Record<string, unknown>>`
    select to_char(date_trunc('day', a.create_time at time zone 'UTC'), 'YYYY-MM-DD') as day,
           count(*) as calls,
           count(*) filter (where a.error is not null) as errors,
           coalesce(sum((a.metadata->>'assay.judge.input_tokens')::bigint), 0) as input_tokens,
           coalesce(sum((a.metadata->>'assay.judge.output_tokens')::bigint), 0) as output_tokens,
           coalesce(sum((a.metadata->>'assay.judge.cost')::float8), 0) as cost
    from assay.assessment a
    join assay.trace t on t.trace_id = a.trace_id
    where t.experiment_id = ${experimentId} and a.source_type = 'LLM_JUDGE'
      and a.create_time >= ${new Date(range.from)} and a.create_time < ${new Date(range.to)}
    group by 1 order by 1`.execute(db);
  return rows.rows.map((r) => ({
    day: String(r.day),
    judge_calls: num(r.calls),
    judge_errors: num(r.errors),
    input_tokens: num(r.input_tokens),
    output_tokens: num(r.output_tokens),
    cost: num(r.cost),
  }));
}
