/**
 * The judge calls a monitoring run paid for (`assay.monitor_run_call`). Rows are written while the
 * run is running — with the feedback they paid for, or on their own when that feedback was lost —
 * and summed into the run's counts when it ends. A call recorded after its run ended is added to
 * the run's counts directly, so the totals count every call once, however late it is recorded.
 */
import { sql, type Insertable } from 'kysely';
import type { Executor } from './connect.ts';
import type { MonitorRunCallTable, RunCounts } from './monitor-schema.ts';

export type RunCall = Omit<Insertable<MonitorRunCallTable>, 'recorded_at'>;

export interface RunCallTotals {
  judge_calls: number;
  repeated_judge_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

/** Inserts call rows; a row already recorded (a retried write) is left alone. */
async function insertRunCalls(trx: Executor, calls: readonly RunCall[]): Promise<void> {
  for (let i = 0; i < calls.length; i += 500) {
    await trx
      .insertInto('assay.monitor_run_call')
      .values(calls.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['run_id', 'scorer', 'trace_id', 'attempt_id']).doNothing())
      .execute();
  }
}

/**
 * Records calls whatever the state of their runs: rows for a running run, added straight to the
 * counts of one that has ended (every such call was repeated work: the run's feedback is stored).
 */
export async function recordRunCalls(db: Executor, calls: readonly RunCall[]): Promise<void> {
  const byRun = new Map<string, RunCall[]>();
  for (const call of calls) byRun.set(call.run_id, [...(byRun.get(call.run_id) ?? []), call]);
  for (const [runId, rows] of byRun) {
    const record = async (trx: Executor) => {
      const run = await trx
        .selectFrom('assay.monitor_run')
        .select(['status', 'counts'])
        .where('run_id', '=', runId)
        .forUpdate()
        .executeTakeFirst();
      if (!run) return;
      if (run.status === 'running' || run.status === 'queued') return insertRunCalls(trx, rows);
      const late = totalsOf(rows.map((r) => ({ ...r, stored: false })));
      const counts: RunCounts = { ...run.counts };
      for (const key of Object.keys(late) as Array<keyof RunCallTotals>) counts[key] = (counts[key] ?? 0) + late[key];
      await trx.updateTable('assay.monitor_run').set({ counts: JSON.stringify(counts) }).where('run_id', '=', runId).execute();
    };
    await (db.isTransaction ? record(db) : db.transaction().execute(record));
  }
}

/** The run's call totals from its rows, then the rows removed. Call in the transaction that ends the run, its row locked. */
export async function takeRunCallTotals(trx: Executor, runId: string): Promise<RunCallTotals> {
  const { rows } = await sql<{ judge_calls: number; repeated: number; input_tokens: string; output_tokens: string; cost: number }>`
    select coalesce(sum(judge_calls), 0)::int as judge_calls,
           coalesce(sum(judge_calls) filter (where not stored), 0)::int as repeated,
           coalesce(sum(input_tokens), 0)::text as input_tokens,
           coalesce(sum(output_tokens), 0)::text as output_tokens,
           coalesce(sum(cost), 0)::float8 as cost
      from assay.monitor_run_call where run_id = ${runId}`.execute(trx);
  await trx.deleteFrom('assay.monitor_run_call').where('run_id', '=', runId).execute();
  const r = rows[0]!;
  return {
    judge_calls: r.judge_calls,
    repeated_judge_calls: r.repeated,
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cost: Number(r.cost),
  };
}

function totalsOf(rows: readonly RunCall[]): RunCallTotals {
  const sum = (pick: (r: RunCall) => number) => rows.reduce((n, r) => n + pick(r), 0);
  return {
    judge_calls: sum((r) => r.judge_calls),
    repeated_judge_calls: sum((r) => (r.stored ? 0 : r.judge_calls)),
    input_tokens: sum((r) => Number(r.input_tokens)),
    output_tokens: sum((r) => Number(r.output_tokens)),
    cost: sum((r) => r.cost),
  };
}
