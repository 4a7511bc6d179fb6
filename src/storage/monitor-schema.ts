/** Kysely's view of the monitor tables (migration 004). */
import type { ColumnType, Generated } from 'kysely';
import type { MonitorConfig } from '../domain/monitor-config.ts';

export interface MonitorTable {
  experiment_id: number;
  config: ColumnType<MonitorConfig, string, string>;
  version: Generated<number>;
  etag: string;
  results_schema: string;
  cursor_xid: Generated<string>;
  next_due_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type RunKind = 'scheduled' | 'manual' | 'backfill';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface MonitorRunTable {
  run_id: string;
  experiment_id: number;
  run_key: string;
  kind: RunKind;
  status: RunStatus;
  config: ColumnType<MonitorConfig, string, string>;
  window_from: string | null;
  window_to: string | null;
  backfill_from: number | null;
  backfill_to: number | null;
  chunks: number | null;
  traces_seen: Generated<number>;
  counts: ColumnType<RunCounts, string | undefined, string>;
  error: string | null;
  created_at: Generated<Date>;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface MonitorRunChunkTable {
  run_id: string;
  chunk: number;
  /** The chunk's traces, in sequence order (migration 024); emptied when the run succeeds. */
  trace_ids: ColumnType<string[], string[] | undefined, string[]>;
  done: Generated<boolean>;
  counts: ColumnType<RunCounts, string | undefined, string>;
  finished_at: Date | null;
}

/** Judge calls made for one (trace, scorer) pair by one chunk attempt (migration 016). */
export interface MonitorRunCallTable {
  run_id: string;
  scorer: string;
  trace_id: string;
  /** One execution of one chunk job. */
  attempt_id: string;
  /** HTTP requests sent to the judge, whatever their outcome. */
  judge_calls: number;
  input_tokens: ColumnType<number, number, number>;
  output_tokens: ColumnType<number, number, number>;
  cost: number;
  /** Whether this attempt's feedback is the one stored; otherwise its calls were repeated work. */
  stored: boolean;
  recorded_at: Generated<Date>;
}

/** Per-scorer tallies of a chunk or a run. */
export interface ScorerCounts {
  sampled: number;
  scored: number;
  errored: number;
  not_applicable: number;
  skipped_existing: number;
  /** Pairs a spent judge budget deferred to a later period. */
  deferred: number;
}

export interface RunCounts {
  traces_copied?: number;
  /** HTTP requests sent to the judge, by every attempt of every chunk. */
  judge_calls?: number;
  /** Of those, the calls for pairs whose stored feedback came from another attempt (work done again after a crash). */
  repeated_judge_calls?: number;
  input_tokens?: number;
  output_tokens?: number;
  cost?: number;
  assessments_written?: number;
  scorers?: Record<string, ScorerCounts>;
  errors?: string[];
  /** Session judges' calls as their chunks counted them (they are not in the per-pair call record); folded into the totals at finish. */
  session_calls?: { judge_calls: number; input_tokens: number; output_tokens: number; cost: number };
}

export interface MonitorRunSessionTable {
  run_id: string;
  chunk: number;
  session_id: string;
  last_trace_id: string;
  turns: number;
}
