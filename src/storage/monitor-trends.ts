/**
 * Score trends of a monitor: per scorer, per run or per hour, how many traces got a verdict, the
 * pass rate (yes/true = 1, no/false = 0) or the mean of a numeric score, and a 95% band around it.
 * Pass/fail scorers get a Wilson score interval, which widens as fewer traces are sampled; numeric
 * scorers get mean ± 1.96·σ/√n. Computed in one SQL statement over the monitor's assessments.
 */
import { sql } from 'kysely';
import { wilsonInterval } from '../domain/alert-stats.ts';
import type { Executor } from './connect.ts';
import { feedbackScore, isPassFailFeedback } from './feedback-score-sql.ts';

export type TrendBucket = 'run' | 'hour';

export interface TrendPoint {
  /** Run id (bucket=run) or the hour's start as ISO time (bucket=hour). */
  bucket: string;
  /** When the bucket happened: the run's start or the hour's start, ISO time. */
  time: string;
  scorer: string;
  /** 'pass_rate' when every value was yes/no or true/false, otherwise 'mean'. */
  kind: 'pass_rate' | 'mean';
  n: number;
  errors: number;
  value: number | null;
  low: number | null;
  high: number | null;
}

/** z for a two-sided 95% interval. */
const Z = 1.96;

export async function scoreTrends(
  db: Executor,
  experimentId: number,
  options: { bucket: TrendBucket; from?: number; to?: number; limit: number },
): Promise<TrendPoint[]> {
  const runKey = sql`a.metadata->>'assay.monitor.run_id'`;
  const bucketExpr = options.bucket === 'run'
    ? runKey
    : sql`to_char(date_trunc('hour', to_timestamp(t.request_time / 1000.0) at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')`;
  const from = options.from === undefined ? sql`` : sql`and t.request_time >= ${options.from}`;
  const to = options.to === undefined ? sql`` : sql`and t.request_time < ${options.to}`;
  const result = await sql<{
    bucket: string; time: Date; scorer: string; pass_fail: boolean; n: string; errors: string;
    mean: number | null; sd: number | null;
  }>`
    with v as (
      select ${bucketExpr} as bucket, a.name as scorer, a.error is not null as failed,
             t.request_time,
             ${feedbackScore('a')} as score,
             ${isPassFailFeedback('a')} as is_pass_fail
      from assay.assessment a
      join assay.trace t on t.trace_id = a.trace_id
      where t.experiment_id = ${experimentId}
        and a.kind = 'feedback' and a.valid
        and a.metadata ? 'assay.monitor.run_id'
        ${from} ${to}
    )
    select v.bucket, ${options.bucket === 'run' ? sql`min(coalesce(r.started_at, r.created_at, to_timestamp(v.request_time / 1000.0)))` : sql`min(date_trunc('hour', to_timestamp(v.request_time / 1000.0)))`} as time,
           v.scorer,
           coalesce(bool_and(v.is_pass_fail) filter (where v.score is not null), true) as pass_fail,
           count(v.score)::text as n,
           count(*) filter (where v.failed)::text as errors,
           avg(v.score) as mean,
           stddev_samp(v.score) as sd
    from v
    ${options.bucket === 'run' ? sql`left join assay.monitor_run r on r.run_id = v.bucket` : sql``}
    group by v.bucket, v.scorer
    order by time desc, v.scorer
    limit ${options.limit}`.execute(db);
  return result.rows
    .map((row) => toPoint(row))
    .sort((a, b) => a.time.localeCompare(b.time) || a.scorer.localeCompare(b.scorer));
}

function toPoint(row: { bucket: string; time: Date; scorer: string; pass_fail: boolean; n: string; errors: string; mean: number | null; sd: number | null }): TrendPoint {
  const n = Number(row.n);
  const base = { bucket: row.bucket, time: new Date(row.time).toISOString(), scorer: row.scorer, n, errors: Number(row.errors) };
  if (n === 0 || row.mean === null) return { ...base, kind: row.pass_fail ? 'pass_rate' : 'mean', value: null, low: null, high: null };
  const mean = Number(row.mean);
  if (row.pass_fail) return { ...base, kind: 'pass_rate', value: mean, ...wilson(mean, n) };
  const half = row.sd === null ? 0 : (Z * Number(row.sd)) / Math.sqrt(n);
  return { ...base, kind: 'mean', value: mean, low: mean - half, high: mean + half };
}

/** The 95% Wilson score interval the trends use for pass/fail scorers. */
export function wilson(p: number, n: number): { low: number; high: number } {
  return wilsonInterval(p, n, 0.95);
}
