/**
 * Pairs of feedback for judge–human agreement: on each trace of an experiment, the latest valid
 * judge feedback (source LLM_JUDGE or CODE) and the latest valid human feedback of the same name,
 * both with a value and without an error.
 */
import { sql } from 'kysely';
import type { FeedbackPair } from '../domain/agreement.ts';
import type { JsonValue } from '../domain/json.ts';
import type { Executor } from './connect.ts';

interface PairRow {
  name: string;
  trace_id: string;
  judge_value: JsonValue;
  human_value: JsonValue;
  judge_rationale: string | null;
  human_rationale: string | null;
  judge_source_id: string | null;
  human_source_id: string | null;
}

/**
 * Pairs by feedback name (names in order, pairs by trace id); only names with at least one pair.
 * `range` keeps traces whose request time (epoch ms) is in [from, to).
 */
export async function loadFeedbackPairs(
  db: Executor,
  experimentId: number,
  name?: string,
  range: { from?: number; to?: number } = {},
): Promise<Map<string, FeedbackPair[]>> {
  const latest = (human: boolean) => sql`
    select distinct on (a.trace_id, a.name) a.trace_id, a.name, a.value, a.rationale, a.source_id
    from assay.assessment a
    join assay.trace t on t.trace_id = a.trace_id
    where t.experiment_id = ${experimentId} and a.kind = 'feedback' and a.valid and a.error is null
      and a.value is not null and a.value <> 'null'::jsonb
      and ${human ? sql`a.source_type = 'HUMAN'` : sql`a.source_type <> 'HUMAN'`}
      ${name === undefined ? sql`` : sql`and a.name = ${name}`}
      ${range.from === undefined ? sql`` : sql`and t.request_time >= ${range.from}`}
      ${range.to === undefined ? sql`` : sql`and t.request_time < ${range.to}`}
    order by a.trace_id, a.name, a.last_update_time desc, a.assessment_id desc`;
  const rows = await sql<PairRow>`
    with judge as (${latest(false)}), human as (${latest(true)})
    select j.name, j.trace_id,
      j.value as judge_value, h.value as human_value,
      j.rationale as judge_rationale, h.rationale as human_rationale,
      j.source_id as judge_source_id, h.source_id as human_source_id
    from judge j join human h on h.trace_id = j.trace_id and h.name = j.name
    order by j.name, j.trace_id`.execute(db);
  const out = new Map<string, FeedbackPair[]>();
  for (const { name: pairName, ...pair } of rows.rows) {
    const list = out.get(pairName);
    if (list) list.push(pair);
    else out.set(pairName, [pair]);
  }
  return out;
}

/**
 * The `guidelines` expectation of each of these traces (the latest valid one), as a list of texts:
 * a string is one guideline, a list keeps its strings. Traces without one are absent.
 */
export async function loadGuidelineExpectations(db: Executor, traceIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (traceIds.length === 0) return out;
  const rows = await sql<{ trace_id: string; value: JsonValue }>`
    select distinct on (a.trace_id) a.trace_id, a.value
    from assay.assessment a
    where a.trace_id = any(${[...traceIds]}::text[]) and a.kind = 'expectation' and a.name = 'guidelines' and a.valid
    order by a.trace_id, a.last_update_time desc, a.assessment_id desc`.execute(db);
  for (const row of rows.rows) {
    const texts = typeof row.value === 'string' ? [row.value] : Array.isArray(row.value) ? row.value.filter((v): v is string => typeof v === 'string') : [];
    if (texts.length > 0) out.set(row.trace_id, texts);
  }
  return out;
}
