/**
 * What an alert rule measures over its window: a monitor scorer's verdicts (pass/fail count and
 * pass rate, or mean and spread, and judge errors) or the number of traces, over the last N runs or
 * the last N minutes of traffic.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AlertWindow } from '../domain/alert-rules.ts';
import type { Executor } from './connect.ts';
import { feedbackScore, isPassFailFeedback } from './feedback-score-sql.ts';

export interface VerdictStats {
  /** Verdicts with a value (errors excluded). */
  n: number;
  /** Verdicts that were pass/fail (yes/no, true/false). */
  pass_fail: number;
  /** Of those, the passes (yes, true). */
  passes: number;
  mean: number | null;
  sd: number | null;
  errors: number;
  /** Every feedback of the scorer(s) in the window, errors included. */
  total: number;
}

/** Runs a window of the last N runs covers (newest first), and when the oldest started. */
export async function windowRuns(db: Executor, experimentId: number, runs: number): Promise<Array<{ run_id: string; started_at: Date | null; traces_seen: number }>> {
  return db
    .selectFrom('assay.monitor_run')
    .select(['run_id', 'started_at', 'traces_seen'])
    .where('experiment_id', '=', experimentId)
    .where('status', '=', 'succeeded')
    .where('kind', '!=', 'backfill')
    .orderBy('finished_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(runs)
    .execute();
}

export async function verdictStats(
  db: Executor,
  experimentId: number,
  scorer: string | undefined,
  window: AlertWindow,
  now: Date,
): Promise<VerdictStats> {
  let scope: RawBuilder<unknown>;
  if ('runs' in window) {
    const ids = (await windowRuns(db, experimentId, window.runs)).map((r) => r.run_id);
    if (ids.length === 0) return { n: 0, pass_fail: 0, passes: 0, mean: null, sd: null, errors: 0, total: 0 };
    scope = sql`(a.metadata->>'assay.monitor.run_id') in (${sql.join(ids)}) and a.metadata ? 'assay.monitor.run_id'
                and exists (select 1 from assay.trace t where t.trace_id = a.trace_id and t.experiment_id = ${experimentId})`;
  } else {
    const from = now.getTime() - window.minutes * 60_000;
    scope = sql`a.metadata ? 'assay.monitor.run_id'
                and a.trace_id in (select t.trace_id from assay.trace t
                                   where t.experiment_id = ${experimentId} and t.request_time >= ${from})`;
  }
  const byName = scorer === undefined ? sql`` : sql`and a.name = ${scorer}`;
  const { rows } = await sql<{ n: string; pass_fail: string; passes: string; mean: number | null; sd: number | null; errors: string; total: string }>`
    with v as (
      select a.error is not null as failed,
             ${feedbackScore('a')} as score,
             ${isPassFailFeedback('a')} as is_pass_fail
      from assay.assessment a
      where a.kind = 'feedback' and a.valid and ${scope} ${byName}
    )
    select count(score)::text as n, count(*) filter (where is_pass_fail)::text as pass_fail,
           count(*) filter (where is_pass_fail and score = 1)::text as passes,
           avg(score) as mean, stddev_samp(score) as sd,
           count(*) filter (where failed)::text as errors, count(*)::text as total
    from v`.execute(db);
  const row = rows[0]!;
  return {
    n: Number(row.n),
    pass_fail: Number(row.pass_fail),
    passes: Number(row.passes),
    mean: row.mean === null ? null : Number(row.mean),
    sd: row.sd === null ? null : Number(row.sd),
    errors: Number(row.errors),
    total: Number(row.total),
  };
}

/** Traces in the window: seen by the last N runs, or arrived in the last N minutes. */
export async function traceCount(db: Executor, experimentId: number, window: AlertWindow, now: Date): Promise<number> {
  if ('runs' in window) {
    return (await windowRuns(db, experimentId, window.runs)).reduce((sum, r) => sum + r.traces_seen, 0);
  }
  const row = await db
    .selectFrom('assay.trace')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('experiment_id', '=', experimentId)
    .where('request_time', '>=', now.getTime() - window.minutes * 60_000)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
