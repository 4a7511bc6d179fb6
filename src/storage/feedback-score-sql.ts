/**
 * What a feedback value counts as, in SQL, the same wherever Assay computes with it: the results
 * view's `numeric_value`, the score trends and the alert rules (an alert tests the pass rate the
 * chart shows). A number is itself; true/false and "yes"/"no" (any case) are 1 and 0; anything
 * else has no score. Pass/fail values are the booleans and yes/no.
 */
import { sql, type RawBuilder } from 'kysely';

/** The value's score, or null (`value` is a jsonb expression). */
export function valueScore(value: RawBuilder<unknown>): RawBuilder<number | null> {
  return sql<number | null>`case jsonb_typeof(${value})
             when 'number' then (${value} #>> '{}')::double precision
             when 'boolean' then case when (${value} #>> '{}') = 'true' then 1 else 0 end
             when 'string' then case lower(${value} #>> '{}') when 'yes' then 1 when 'no' then 0 end
           end`;
}

/** Whether the value is a pass/fail verdict (true/false, yes/no). */
function isPassFailValue(value: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`(jsonb_typeof(${value}) = 'boolean' or (jsonb_typeof(${value}) = 'string' and lower(${value} #>> '{}') in ('yes', 'no')))`;
}

/** A feedback row's score: null when the judge call failed (`a` is the assessment's alias). */
export function feedbackScore(a: string): RawBuilder<number | null> {
  return sql<number | null>`case when ${sql.ref(`${a}.error`)} is not null then null else ${valueScore(sql.ref(`${a}.value`))} end`;
}

/** Whether a feedback row is a pass/fail verdict that did not fail. */
export function isPassFailFeedback(a: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${a}.error`)} is null and ${isPassFailValue(sql.ref(`${a}.value`))})`;
}
