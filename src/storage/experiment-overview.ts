/**
 * An experiment's overview over a time range: trace volume, errors, latency percentiles, tokens and
 * cost per hour or day, and the judge calls and judge spend per day (from the judges' assessment
 * metadata). The volume reads the hourly rollup of migration 020 (trace-rollup.ts) and the raw
 * traces only in the partial hours at the range's ends; the judge figures group the assessments.
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

/**
 * Rows of a volume read: with `bin` null, a bucket's exact sums (cost as a numeric string); with
 * `bin` set, a bucket's traces in that latency bin; with `latency` set, an hour's histogram
 * (latency[i] traces in bin i - 2).
 */
type VolumeRow = { time: string | number; bin: number | null; traces: string; errors: string | null; tokens: string | null; cost: string | null; latency: Array<string | number> | null };

const HOUR = 3_600_000;

/**
 * Volume per bucket from the hourly rollup: the folded rollup rows and the pending deltas of the
 * whole hours in the range, and the traces themselves in the partial hours at its ends, summed in
 * one statement (one snapshot). The same numbers as `traceVolumeFromTraces`.
 */
export async function traceVolume(db: Executor, experimentId: number, range: OverviewRange, bucket: OverviewBucket): Promise<{ points: VolumePoint[]; totals: VolumePoint }> {
  const size = bucket === 'hour' ? HOUR : 86_400_000;
  let first = Math.ceil(range.from / HOUR) * HOUR;
  let last = Math.floor(range.to / HOUR) * HOUR;
  if (first >= last) first = last = range.to;
  const rows = await sql<VolumeRow>`
    with rolled as (
      select (hour / ${size})::bigint * ${size} as time, traces, errors, total_tokens, cost, latency
      from assay.trace_hour_rollup
      where experiment_id = ${experimentId} and hour >= ${first} and hour < ${last}
    ), binned as (
      select (hour / ${size})::bigint * ${size} as time, bin, traces, errors, total_tokens, cost
      from assay.trace_hour_delta
      where experiment_id = ${experimentId} and hour >= ${first} and hour < ${last}
      union all
      select (r.hour / ${size})::bigint * ${size}, r.bin, r.traces, r.errors, r.total_tokens, r.cost
      from assay.trace t, assay.trace_hour_rows(1, t) r
      where t.experiment_id = ${experimentId}
        and (t.request_time >= ${range.from} and t.request_time < ${first} or t.request_time >= ${last} and t.request_time < ${range.to})
    )
    select time, null::int as bin, sum(traces) as traces, sum(errors) as errors, sum(total_tokens) as tokens, sum(cost) as cost, null::bigint[] as latency
    from (select time, traces, errors, total_tokens, cost from rolled
          union all select time, traces, errors, total_tokens, cost from binned) s
    group by time
    union all
    select time, bin, sum(traces), null, null, null, null from binned group by time, bin
    union all
    select time, null, null, null, null, null, latency from rolled`.execute(db);
  return tally(rows.rows);
}

/** The reference computation: every trace in the range, grouped. */
export async function traceVolumeFromTraces(db: Executor, experimentId: number, range: OverviewRange, bucket: OverviewBucket): Promise<{ points: VolumePoint[]; totals: VolumePoint }> {
  const size = bucket === 'hour' ? HOUR : 86_400_000;
  const rows = await sql<VolumeRow>`
    with t as (
      -- UTC hours and days are whole multiples of their length since the epoch: integer arithmetic.
      select (request_time / ${size})::bigint * ${size} as time,
             coalesce(floor(ln(greatest(execution_duration_ms, 0) + 1) * ${BINS_PER_E})::int, -1) as bin,
             state, total_tokens, cost
      from assay.trace
      where experiment_id = ${experimentId} and request_time >= ${range.from} and request_time < ${range.to}
    )
    select time, null::int as bin, count(*) as traces, count(*) filter (where state = 'ERROR') as errors,
           coalesce(sum(total_tokens), 0) as tokens, coalesce(sum(cost::numeric), 0) as cost, null::bigint[] as latency
    from t group by time
    union all
    select time, bin, count(*), null, null, null, null from t group by time, bin`.execute(db);
  return tally(rows.rows);
}

function tally(rows: VolumeRow[]): { points: VolumePoint[]; totals: VolumePoint } {
  const empty = (): Tally => ({ traces: 0, errors: 0, tokens: 0, cost: 0, bins: new Map() });
  const byTime = new Map<number, Tally>();
  const at = (time: number) => byTime.get(time) ?? byTime.set(time, empty()).get(time)!;
  const addBin = (t: Tally, bin: number, n: number) => t.bins.set(bin, (t.bins.get(bin) ?? 0) + n);
  for (const r of rows) {
    const t = at(Number(r.time));
    if (r.latency) r.latency.forEach((n, i) => addBin(t, i - 2 + 1, Number(n)));
    else if (r.bin !== null) addBin(t, r.bin, num(r.traces));
    else {
      t.traces += num(r.traces);
      t.errors += num(r.errors);
      t.tokens += num(r.tokens);
      t.cost += num(r.cost);
    }
  }
  const total = empty();
  const toPoint = (time: string, t: Tally): VolumePoint => {
    // Bins emptied by re-ingested traces do not count; neither does the no-duration bin (-1).
    const bins = [...t.bins.entries()].filter(([bin, n]) => n !== 0 && bin >= 0).sort((a, b) => a[0] - b[0]);
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
  const points: VolumePoint[] = [];
  // Buckets in time order, the totals summed in that order: the same float sums on every path.
  for (const [time, t] of [...byTime.entries()].sort((a, b) => a[0] - b[0])) {
    if (t.traces === 0) continue;
    total.traces += t.traces;
    total.errors += t.errors;
    total.tokens += t.tokens;
    total.cost += t.cost;
    for (const [bin, n] of t.bins) addBin(total, bin, n);
    points.push(toPoint(new Date(time).toISOString().replace(/:\d\d\.\d{3}Z$/, ':00Z'), t));
  }
  return { points, totals: toPoint('', total) };
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
