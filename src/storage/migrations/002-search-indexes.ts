import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the common trace filters on a large table. Plain btree and GIN only: PGlite has no
 * pg_trgm, so substring search over span content stays a scan of the candidate spans.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- status filters in the default order (newest first) read one index range, then stop at the page.
    create index trace_experiment_state_time on assay.trace (experiment_id, state, request_time desc, trace_id);
    -- execution time ranges and order_by execution_time_ms.
    create index trace_experiment_duration on assay.trace (experiment_id, execution_duration_ms);
    -- feedback/expectation equality: the filter compares the value as text (value #>> '{}').
    create index assessment_valid_value on assay.assessment (kind, name, (value #>> '{}'), trace_id) where valid;
    -- span filters by status (type and name have indexes in 001).
    create index span_status on assay.span (status_code, trace_id);
    -- The planner ignores expression statistics of partial indexes; without these it guesses 0.5%
    -- for a feedback value and picks a plan that reads every matching assessment (seconds, not ms).
    create statistics assay.assessment_value_text on (value #>> '{}') from assay.assessment;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index assay.trace_experiment_state_time;
    drop index assay.trace_experiment_duration;
    drop index assay.assessment_valid_value;
    drop index assay.span_status;
    drop statistics assay.assessment_value_text;
  `.execute(db);
}
