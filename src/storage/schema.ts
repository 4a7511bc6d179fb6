/**
 * Kysely's view of the internal `assay` schema. Column names are the API's snake_case names.
 *
 * int8 columns are read as JS numbers (see `connect.ts`); span times in nanoseconds exceed 2^53, so
 * the span repository reads them as text.
 */
import type { ColumnType, Generated, GeneratedAlways, JSONColumnType } from 'kysely';
import type { LabelSchema } from '../domain/labeling-session.ts';
import type { JsonObject, JsonValue } from '../domain/trace.ts';

type Json<T extends object | null> = JSONColumnType<T, string, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ExperimentTable {
  experiment_id: Generated<number>;
  name: string;
  tags: ColumnType<Record<string, string>, string | undefined, string>;
  created_by: string | null;
  created_at: Generated<Date>;
  /** Days its traces are kept (null: ASSAY_RETENTION_DAYS); applies to traces arriving after it is set. */
  retention_days: number | null;
}

/**
 * Trace id → the partition its trace lives in (migration 018): unique trace ids across partitions,
 * and the key every later write of the trace uses.
 */
export interface TraceKeyTable {
  trace_id: string;
  retention_class: number;
  created_at: Date;
}

export interface TraceTable {
  trace_id: string;
  experiment_id: number;
  client_request_id: string | null;
  /** Epoch ms. */
  request_time: number;
  execution_duration_ms: number | null;
  state: string;
  request_preview: string | null;
  response_preview: string | null;
  /** Root span inputs/outputs, kept on the trace for search, scorers and copies. */
  request: ColumnType<JsonValue | null, string | null, string | null>;
  response: ColumnType<JsonValue | null, string | null, string | null>;
  trace_metadata: ColumnType<Record<string, string>, string | undefined, string>;
  tags: ColumnType<Record<string, string>, string | undefined, string>;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
  /** Monotonic ingest sequence: stable order for monitors' chunks. */
  seq: Generated<number>;
  /** Transaction that last changed the trace (xid8, as text); the monitors' cursor compares it. */
  change_xid: Generated<string>;
  /** First arrival: with retention_class, the partition key; never changes (migration 018). */
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** 0: ASSAY_RETENTION_DAYS; N: kept N days (the experiment's retention_days at first arrival). */
  retention_class: Generated<number>;
  /** Metadata `mlflow.trace.session` (a generated column; migration 015). */
  session_id: GeneratedAlways<string | null>;
  /** Metadata `mlflow.trace.user` (a generated column; migration 015). */
  user_id: GeneratedAlways<string | null>;
}

export interface SpanTable {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  span_type: string;
  status_code: string;
  status_message: string;
  start_time_ns: ColumnType<string, string | bigint, string | bigint>;
  end_time_ns: ColumnType<string | null, string | bigint | null, string | bigint | null>;
  inputs: ColumnType<JsonValue | null, string | null, string | null>;
  outputs: ColumnType<JsonValue | null, string | null, string | null>;
  attributes: Json<JsonObject>;
  events: Json<JsonValue[]>;
  /** The trace's partition key (migration 018). */
  retention_class: Generated<number>;
  trace_created_at: Timestamp;
}

export interface AssessmentTable {
  assessment_id: string;
  trace_id: string;
  span_id: string | null;
  name: string;
  kind: 'feedback' | 'expectation';
  value: ColumnType<JsonValue | null, string | null, string | null>;
  rationale: string | null;
  error: ColumnType<{ error_code: string; error_message: string } | null, string | null, string | null>;
  source_type: string;
  source_id: string | null;
  metadata: ColumnType<Record<string, string>, string | undefined, string>;
  overrides: string | null;
  valid: Generated<boolean>;
  /** Business identity of machine-written assessments (monitor scorer, evaluation row): unique. */
  idempotency_key: string | null;
  create_time: Timestamp;
  last_update_time: Timestamp;
  /** The trace's partition key (migration 018). */
  retention_class: Generated<number>;
  trace_created_at: Timestamp;
}

export interface ApiTokenTable {
  token_id: Generated<number>;
  name: string;
  role: 'admin' | 'writer' | 'reader';
  /** SHA-256 of the token, hex. The token itself is shown once and never stored. */
  token_hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

import type {
  MonitorRunCallTable,
  MonitorRunChunkTable,
  MonitorRunSessionTable,
  MonitorRunTable,
  MonitorTable,
} from './monitor-schema.ts';

export interface Database {
  'assay.experiment': ExperimentTable;
  'assay.trace': TraceTable;
  'assay.trace_key': TraceKeyTable;
  'assay.span': SpanTable;
  'assay.assessment': AssessmentTable;
  'assay.api_token': ApiTokenTable;
  'assay.monitor': MonitorTable;
  'assay.monitor_run': MonitorRunTable;
  'assay.monitor_run_chunk': MonitorRunChunkTable;
  'assay.monitor_run_session': MonitorRunSessionTable;
  'assay.monitor_run_call': MonitorRunCallTable;
}

export interface DatasetTable {
  dataset_id: Generated<number>;
  /** `schema.table`, lower-cased. */
  name: string;
  schema_name: string;
  table_name: string;
  experiment_ids: ColumnType<string[], string | undefined, string>;
  tags: ColumnType<Record<string, string>, string | undefined, string>;
  current_version: Generated<number>;
  record_count: Generated<number>;
  /** XOR of the current records' content hashes (hex); see `src/domain/dataset-merge.ts`. */
  digest: string;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  last_updated_by: string | null;
}

export interface DatasetVersionTable {
  dataset_id: number;
  version: number;
  operation: 'merge' | 'update' | 'delete';
  created_at: Generated<Date>;
  created_by: string | null;
  inserted: number;
  updated: number;
  deleted: number;
  record_count: number;
  digest: string;
}

/** One version of one record, valid for dataset versions valid_from <= K < coalesce(valid_to, ∞). */
export interface DatasetRecordVersionTable {
  dataset_id: number;
  record_id: string;
  record_seq: number;
  inputs_hash: string;
  content_hash: string;
  valid_from: number;
  valid_to: number | null;
  inputs: ColumnType<JsonObject, string, string>;
  outputs: ColumnType<JsonValue | null, string | null, string | null>;
  expectations: ColumnType<JsonObject, string | undefined, string>;
  tags: ColumnType<Record<string, string>, string | undefined, string>;
  source: ColumnType<JsonObject | null, string | null, string | null>;
  create_time: Timestamp;
  created_by: string | null;
  last_update_time: Timestamp;
  last_updated_by: string | null;
}

export interface Database {
  'assay.dataset': DatasetTable;
  'assay.dataset_version': DatasetVersionTable;
  'assay.dataset_record_version': DatasetRecordVersionTable;
}

import type { EvaluationMetricsTable, EvaluationRowTable, EvaluationRunTable } from './evaluation-schema.ts';

export interface Database {
  'assay.evaluation_run': EvaluationRunTable;
  'assay.evaluation_row': EvaluationRowTable;
  'assay.evaluation_metrics': EvaluationMetricsTable;
}

import type { AlertDeliveryTable, MonitorAlertEventTable, MonitorAlertTable, MonitorBackfillBudgetTable, MonitorBudgetUsageTable, MonitorDeferredSessionTable, MonitorDeferredTable } from './alert-schema.ts';

export interface LabelingSessionTable {
  labeling_session_id: Generated<number>;
  name: string;
  experiment_id: number;
  label_schemas: ColumnType<LabelSchema[], string, string>;
  /** Token names of the people asked to label. */
  assigned_users: ColumnType<string[], string | undefined, string>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
}

export interface LabelingSessionTraceTable {
  labeling_session_id: number;
  trace_id: string;
  /** The order a labeler goes through the traces. */
  position: Generated<number>;
  added_at: Generated<Date>;
  added_by: string | null;
}

export interface Database {
  'assay.labeling_session': LabelingSessionTable;
  'assay.labeling_session_trace': LabelingSessionTraceTable;
  'assay.monitor_alert': MonitorAlertTable;
  'assay.monitor_alert_event': MonitorAlertEventTable;
  'assay.alert_delivery': AlertDeliveryTable;
  'assay.monitor_budget_usage': MonitorBudgetUsageTable;
  'assay.monitor_deferred': MonitorDeferredTable;
  'assay.monitor_backfill_budget': MonitorBackfillBudgetTable;
  'assay.monitor_deferred_session': MonitorDeferredSessionTable;
}
