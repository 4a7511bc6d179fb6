/** The JSON shapes of the Assay API, as the client returns them (DESIGN §10). */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TraceInfo {
  trace_id: string;
  experiment_id: string;
  request_time: string;
  execution_duration_ms: number | null;
  state: 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';
  request_preview: string | null;
  response_preview: string | null;
  client_request_id: string | null;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
  assessments: Assessment[];
  /** The values of a search's `extract_fields`, keyed by the field as written (search answers only). */
  extracted?: Record<string, Json>;
}

export interface Assessment {
  assessment_id: string;
  assessment_name: string;
  trace_id: string;
  span_id: string | null;
  source: { source_type: 'HUMAN' | 'LLM_JUDGE' | 'CODE'; source_id: string | null };
  create_time: string;
  last_update_time: string;
  feedback?: { value: Json; error: { error_code: string; error_message: string } | null };
  expectation?: { value: Json };
  rationale: string | null;
  metadata: Record<string, string>;
  overrides: string | null;
  valid: boolean;
}

/** An assessment to log: feedback or an expectation. */
export interface AssessmentInput {
  assessment_name: string;
  source: { source_type: 'HUMAN' | 'LLM_JUDGE' | 'CODE'; source_id?: string | null };
  feedback?: { value: Json; error?: { error_code: string; error_message: string } | null };
  expectation?: { value: Json };
  rationale?: string | null;
  span_id?: string | null;
  metadata?: Record<string, string>;
}

export interface SearchTracesRequest {
  experiment_ids: string[];
  filter_string?: string;
  order_by?: string[];
  max_results?: number;
  page_token?: string;
  /** Span values to return in each trace's `extracted`: `<span name>.inputs[.<field>]`, `span.end_time`, … */
  extract_fields?: string[];
}

/** A monitor config document (DESIGN §4); read and written whole. */
export interface MonitorConfig {
  results_schema: string;
  sample?: number;
  paused?: boolean;
  interval_minutes?: number;
  filter_string?: string;
  session_idle_seconds?: number;
  scorers: ScorerEntry[];
  [key: string]: Json | ScorerEntry[] | undefined;
}

export type ScorerEntry = { name: string; type?: string; sample_rate?: number; [key: string]: Json | undefined };

export interface Dataset {
  name: string;
  current_version: number;
  record_count: number;
  [key: string]: unknown;
}

export interface DatasetRecordInput {
  inputs: JsonObject;
  outputs?: Json;
  expectations?: JsonObject;
  tags?: Record<string, string>;
}

export type TargetConfig =
  | { type: 'openai_chat'; base_url: string; model: string; api_key_env?: string; system_prompt?: string; timeout_ms?: number }
  | { type: 'http'; url: string; headers?: Record<string, string>; api_key_env?: string; timeout_ms?: number };

export type Aggregation = 'mean' | 'min' | 'max' | 'median' | 'p90' | 'variance';

export interface CreateEvaluationRequest {
  name?: string;
  experiment_id?: string;
  data: { name: string; version?: number } | { records: JsonObject[] };
  target?: TargetConfig;
  scorers?: Array<string | ScorerEntry>;
  concurrency?: number;
  metrics?: Aggregation[];
}

export interface EvaluationRun {
  run_id: string;
  name: string;
  experiment_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  dataset: { name: string; version: number } | null;
  progress: { rows: number; done: number; errored: number; passed: number; failed: number; pending: number; finished: number };
  metrics: Record<string, number>;
  error: string | null;
  [key: string]: unknown;
}

export interface EvaluationVerdict {
  name: string;
  scorer: string;
  value: Json;
  rationale: string | null;
  error: { error_code: string; error_message: string } | null;
  source: { source_type: string; source_id: string | null };
}

export interface EvaluationRow {
  row_index: number;
  status: 'pending' | 'done' | 'errored';
  inputs: JsonObject;
  outputs: Json;
  expectations: JsonObject;
  trace_id: string | null;
  latency_ms: number | null;
  error: string | null;
  passed: boolean | null;
  failing_judges: string[];
  verdicts: EvaluationVerdict[];
  [key: string]: unknown;
}

export interface EvaluationComparison {
  runs: Array<Record<string, unknown>>;
  metrics: Array<{ metric: string; values: Array<number | null>; delta: number | null }>;
  rows: {
    matched: number;
    only_in_a: number;
    only_in_b: number;
    unchanged: number;
    regressions: Array<{ inputs: JsonObject; row_indexes: [number, number]; failing_judges: [string[], string[]] }>;
    improvements: Array<{ inputs: JsonObject; row_indexes: [number, number]; failing_judges: [string[], string[]] }>;
    /** Every regression; `regressions` lists the first 1,000 (in run A's row order). */
    regression_count: number;
    /** Every improvement; `improvements` lists the first 1,000. */
    improvement_count: number;
  };
}
