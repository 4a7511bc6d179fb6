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

/**
 * Latency percentiles come from a histogram with bins 2.5% wide (log scale), summed per bucket in
 * one hash aggregate: no sort of a million durations, and a percentile within 1.3% of the exact one.
 */
const BINS_PER_E = 40;

const binValue = (bin: number) => Math.exp((bin + 0.5) / BINS_PER_E) - 1;

function percentile(bins: ReadonlyArray<[number, number]>, total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const [bin, n] of bins) {
    seen += n;
    if (seen >= rank) return Math.round(binValue(bin) * 10) / 10;
  }
  return Math.round(binValue(bins.at(-1)![0]) * 10) / 10;
}

interface Tally {
  traces: number;
  errors: number;
  tokens: number;
  cost: number;
  bins: Map<number, number>;
}

export async function traceVolume(db: Executor, experimentId: number, range: OverviewRange, bucket: OverviewBucket): Promise<{ points: VolumePoint[]; totals: VolumePoint }> {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const rows = await sql<{ time: string | number; bin: number | null; traces: string; errors: string; tokens: string | null; cost: number | null }>`
    select b as time, bin,
           count(*) as traces, count(*) filter (where state = 'ERROR') as errors,
           sum(total_tokens) as tokens, sum(cost) as cost
    from (
      -- UTC hours and days are whole multiples of their length since the epoch: integer arithmetic.
      select (request_time / ${size})::bigint * ${size} as b,
             floor(ln(greatest(execution_duration_ms, 0) + 1) * ${BINS_PER_E})::int as bin,
             state, total_tokens, cost
      from assay.trace
      where experiment_id = ${experimentId} and request_time >= ${range.from} and request_time < ${range.to}
    ) t
    group by b, bin`.execute(db);
  const empty = (): Tally => ({ traces: 0, errors: 0, tokens: 0, cost: 0, bins: new Map() });
  const byTime = new Map<string, Tally>();
  const total = empty();
  for (const r of rows.rows) {
    const time = new Date(Number(r.time)).toISOString().replace(/:\d\d\.\d{3}Z$/, ':00Z');
    for (const tally of [byTime.get(time) ?? byTime.set(time, empty()).get(time)!, total]) {
      tally.traces += num(r.traces);
      tally.errors += num(r.errors);
      tally.tokens += num(r.tokens);
      tally.cost += num(r.cost);
      if (r.bin !== null) tally.bins.set(r.bin, (tally.bins.get(r.bin) ?? 0) + num(r.traces));
    }
  }
  const toPoint = (time: string, t: Tally): VolumePoint => {
    const bins = [...t.bins.entries()].sort((a, b) => a[0] - b[0]);
    const timed = bins.reduce((n, [, c]) => n + c, 0);
    return {
      time,
      traces: t.traces,
      errors: t.errors,
      latency_p50_ms: percentile(bins, timed, 0.5),
      latency_p95_ms: percentile(bins, timed, 0.95),
      total_tokens: t.tokens,
      cost: t.cost,
    };
  };
  return {
    points: [...byTime.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([time, t]) => toPoint(time, t)),
    totals: toPoint('', total),
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
