/** Kysely's view of the alert, delivery and budget tables (migration 014). */
import type { ColumnType, Generated } from 'kysely';
import type { JsonObject } from '../domain/trace.ts';

export type AlertState = 'ok' | 'firing';

export interface MonitorAlertTable {
  experiment_id: number;
  name: string;
  state: Generated<AlertState>;
  streak: Generated<number>;
  last_run_id: string | null;
  last_value: number | null;
  last_low: number | null;
  last_high: number | null;
  last_sample_size: number | null;
  last_evaluated_at: Date | null;
  since: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface MonitorAlertEventTable {
  event_id: string;
  experiment_id: number;
  alert: string;
  state: 'firing' | 'resolved';
  run_id: string | null;
  value: number | null;
  low: number | null;
  high: number | null;
  sample_size: number | null;
  threshold: number;
  rule: ColumnType<JsonObject, string, string>;
  created_at: Generated<Date>;
}

export interface AlertDeliveryTable {
  delivery_id: string;
  event_id: string;
  webhook: string;
  url: string;
  secret_env: string | null;
  body: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  created_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface MonitorBudgetUsageTable {
  experiment_id: number;
  period_start: ColumnType<Date, Date | string, Date | string>;
  judge_calls: Generated<number>;
  tokens: Generated<number>;
  cost: Generated<number>;
}

export interface MonitorDeferredTable {
  experiment_id: number;
  trace_id: string;
  scorer: string;
  run_id: string | null;
  deferred_at: Generated<Date>;
  /** Who takes the pair up: `day`, the monitor's next run with budget room; `backfill`, another backfill (migration 022). */
  cause: Generated<DeferralCause>;
}

export type DeferralCause = 'day' | 'backfill';

/** A backfill's own judge budget: its limits and what the backfill used of them (migration 022). */
export interface MonitorBackfillBudgetTable {
  run_id: string;
  max_judge_calls: number | null;
  max_tokens: number | null;
  max_cost_usd: number | null;
  judge_calls: Generated<number>;
  tokens: Generated<number>;
  cost: Generated<number>;
}

/** A (session, scorer) pair a spent budget deferred (migration 021). */
export interface MonitorDeferredSessionTable {
  experiment_id: number;
  session_id: string;
  scorer: string;
  run_id: string | null;
  deferred_at: Generated<Date>;
}
