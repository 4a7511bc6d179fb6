/**
 * A run's counts read back from what is stored, not added up in memory: an attempt that crashed, a
 * chunk delivered twice or two batches committing at once cannot make them drift from the rows.
 */
import { sql } from 'kysely';
import { feedbackScope } from '../domain/feedback-key.ts';
import type { Executor } from './connect.ts';

export interface StoredRunFeedback {
  /** Feedback rows this run wrote (every draft of every pair). */
  assessments: number;
  /** Per monitor scorer: (trace, scorer) pairs whose stored feedback is fine, and those with an error. */
  scorers: Record<string, { scored: number; errored: number }>;
}

/**
 * The feedback a run wrote on its window's traces: rows keyed `monitor:<experiment>:<scorer>:<trace>[#n]`
 * and stamped with the run's id (session feedback, stamped `assay.session.turns`, is counted by
 * `storedSessionRunFeedback`). Found through the index on the stamp (migration 014; the `?` condition
 * is its predicate, so the planner can use it): one probe per partition, where a probe per window trace went to every partition (a 20,000-trace finish spent
 * 220 ms on 400,000 buffer reads over nine partitions, 55 ms this way).
 */
export async function storedRunFeedback(db: Executor, runId: string, experimentId: number): Promise<StoredRunFeedback> {
  const prefix = feedbackScope('monitor', experimentId);
  const { rows } = await sql<{ scorer: string; scored: number; errored: number; assessments: number }>`
    select scorer,
           count(*) filter (where not errored)::int as scored,
           count(*) filter (where errored)::int as errored,
           sum(drafts)::int as assessments
      from (select left(substr(split_part(a.idempotency_key, '#', 1), ${prefix.length + 1}), -(length(a.trace_id) + 1)) as scorer,
                   a.trace_id,
                   bool_or(a.error is not null) as errored,
                   count(*) as drafts
              from assay.assessment a
             where a.metadata ? 'assay.monitor.run_id'
               and a.metadata ->> 'assay.monitor.run_id' = ${runId}
               and a.kind = 'feedback'
               and a.idempotency_key like ${`${prefix}%`}
               and not (a.metadata ? 'assay.session.turns')
             group by 1, 2) pairs
     group by scorer`.execute(db);
  return fromScorerRows(rows);
}

/**
 * The session feedback a run wrote on its sessions: rows keyed
 * `monitor:<experiment>:<scorer>:session:<session>@<turns>:<last trace>[#n]`, stamped with the run's id.
 * Read while the run's session list still exists.
 */
export async function storedSessionRunFeedback(db: Executor, runId: string, experimentId: number): Promise<StoredRunFeedback> {
  const prefix = feedbackScope('monitor', experimentId);
  const { rows } = await sql<{ scorer: string; scored: number; errored: number; assessments: number }>`
    select scorer,
           count(*) filter (where not errored)::int as scored,
           count(*) filter (where errored)::int as errored,
           sum(drafts)::int as assessments
      from (select left(substr(split_part(a.idempotency_key, '#', 1), ${prefix.length + 1}),
                        -length(':session:' || s.session_id || '@' || s.turns || ':' || s.last_trace_id)) as scorer,
                   s.session_id,
                   bool_or(a.error is not null) as errored,
                   count(*) as drafts
              from assay.monitor_run_session s
              join assay.assessment a on a.trace_id = s.last_trace_id
             where s.run_id = ${runId}
               and a.kind = 'feedback'
               and a.idempotency_key like ${`${prefix}%`}
               and a.metadata ->> 'assay.monitor.run_id' = ${runId}
               and a.metadata ->> 'mlflow.trace.session' = s.session_id
               and a.metadata ->> 'assay.session.turns' = s.turns::text
             group by 1, 2) pairs
     group by scorer`.execute(db);
  return fromScorerRows(rows);
}

/** Two stored counts added together (trace and session feedback of one run). */
export function addStoredFeedback(a: StoredRunFeedback, b: StoredRunFeedback): StoredRunFeedback {
  const scorers = { ...a.scorers };
  for (const [name, c] of Object.entries(b.scorers)) {
    const into = scorers[name] ?? { scored: 0, errored: 0 };
    scorers[name] = { scored: into.scored + c.scored, errored: into.errored + c.errored };
  }
  return { assessments: a.assessments + b.assessments, scorers };
}

/** Per-scorer rows of the queries above, as one tally. */
function fromScorerRows(rows: ReadonlyArray<{ scorer: string; scored: number; errored: number; assessments: number }>): StoredRunFeedback {
  const scorers: StoredRunFeedback['scorers'] = {};
  let assessments = 0;
  for (const row of rows) {
    scorers[row.scorer] = { scored: row.scored, errored: row.errored };
    assessments += row.assessments;
  }
  return { assessments, scorers };
}
