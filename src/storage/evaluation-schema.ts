/** Kysely's view of the evaluation tables (migration 005). */
import type { ColumnType, Generated } from 'kysely';
import type { JsonObject, JsonValue } from '../domain/trace.ts';

export type EvaluationStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type RowStatus = 'pending' | 'done' | 'errored';

/** Progress of a run, kept on the run row when it finishes. */
export interface RunCounts {
  rows: number;
  done: number;
  errored: number;
  passed: number;
  failed: number;
}

/** One judge's verdict on a row, as the rows API shows it. */
export interface RowVerdict {
  name: string;
  scorer: string;
  value: JsonValue | null;
  rationale: string | null;
  error: { error_code: string; error_message: string } | null;
  source: { source_type: string; source_id: string | null };
}

type J<T> = ColumnType<T, string, string>;
type JNull<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface EvaluationRunTable {
  run_id: string;
  name: string;
  experiment_id: number;
  dataset_name: string | null;
  dataset_version: number | null;
  target: JNull<JsonObject>;
  scorers: JNull<JsonValue[]>;
  aggregations: ColumnType<string[], string | undefined, string>;
  concurrency: number;
  status: EvaluationStatus;
  rows_total: number;
  counts: ColumnType<Partial<RunCounts>, string | undefined, string>;
  metrics: ColumnType<Record<string, number>, string | undefined, string>;
  error: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface EvaluationRowTable {
  run_id: string;
  row_index: number;
  inputs: J<JsonObject>;
  outputs: JNull<JsonValue>;
  expectations: ColumnType<JsonObject, string | undefined, string>;
  retrieved_context: JNull<JsonValue[]>;
  given_trace: JNull<JsonObject>;
  request_id: string | null;
  trace_id: string | null;
  output_recorded: Generated<boolean>;
  target_latency_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
  error: string | null;
  status: ColumnType<RowStatus, RowStatus | undefined, RowStatus>;
  passed: boolean | null;
  failing_judges: ColumnType<string[], string | undefined, string>;
  verdicts: ColumnType<RowVerdict[], string | undefined, string>;
  finished_at: Date | null;
}

export interface EvaluationMetricsTable {
  run_id: string;
  run_name: string;
  metric: string;
  value: number;
  time: Generated<Date>;
}
