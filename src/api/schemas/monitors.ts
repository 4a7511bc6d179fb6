/** Monitor config, runs, test, backfill and trends as the API answers them, for the OpenAPI document. */
import { z } from 'zod';
import { jsonValue } from './common.ts';

export const monitorScorerJson = z
  .object({ name: z.string(), type: z.string().optional(), sample_rate: z.number().optional(), filter_string: z.string().optional() })
  .catchall(jsonValue);

export const monitorConfigJson = z.object({
  results_schema: z.string(),
  sample: z.number(),
  paused: z.boolean(),
  interval_minutes: z.number(),
  filter_string: z.string().optional(),
  /** Session judges run on a session idle this long, seconds (default 900). */
  session_idle_seconds: z.number().optional(),
  scorers: z.array(monitorScorerJson),
  alerts: z.array(z.record(z.string(), jsonValue)).optional(),
  webhooks: z.array(z.record(z.string(), jsonValue)).optional(),
  budget: z.record(z.string(), jsonValue).optional(),
});

export const monitorJson = z.object({
  experiment_id: z.string(),
  config: monitorConfigJson,
  version: z.number(),
  etag: z.string(),
  next_run_time: z.string().nullable(),
  created_by: z.string().nullable(),
  creation_time: z.string(),
  last_update_time: z.string(),
});

const scorerCounts = z.object({ sampled: z.number(), scored: z.number(), errored: z.number(), not_applicable: z.number() }).catchall(jsonValue);

export const runJson = z.object({
  run_id: z.string(),
  kind: z.enum(['scheduled', 'manual', 'backfill']),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  window: z.record(z.string(), z.string().nullable()),
  traces_seen: z.number(),
  traces_copied: z.number(),
  chunks: z.number().nullable(),
  scorers: z.record(z.string(), scorerCounts),
  /** (trace, scorer) pairs a spent judge budget deferred in this run. */
  deferred: z.number(),
  /** HTTP requests sent to the judge by every attempt, crashed ones included; each paid call once. */
  judge_calls: z.number(),
  /** Of those, calls for pairs judged again because an attempt's answer was lost (a crash, an outage). */
  repeated_judge_calls: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost: z.number(),
  assessments_written: z.number(),
  errors: z.array(z.string()),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  /** A backfill's own judge budget (its limits) and what the backfill used of it; null otherwise. */
  backfill_budget: z
    .object({
      max_judge_calls: z.number().optional(),
      max_tokens: z.number().optional(),
      max_cost_usd: z.number().optional(),
      used: z.object({ judge_calls: z.number(), tokens: z.number(), cost_usd: z.number() }),
    })
    .nullable()
    .optional(),
});

export const runListJson = z.object({ runs: z.array(runJson) });

/** What today's judge budget allows of some judge calls (null without a budget); the rest would be deferred. */
const budgetAllowanceJson = z
  .object({
    budget: z.record(z.string(), jsonValue),
    used_today: z.object({ judge_calls: z.number(), tokens: z.number(), cost_usd: z.number() }),
    renews_at: z.string(),
    /** Tokens and USD of one judge call (measured by a test, estimated for a backfill) that the token and dollar limits were counted with; null when unknown. */
    per_call: z.object({ tokens: z.number(), cost_usd: z.number().nullable() }).nullable(),
    allowed_judge_calls: z.number(),
    deferred_judge_calls: z.number(),
  })
  .nullable();

export const testReportJson = z.object({
  traces: z.number(),
  /** Judge calls a monitoring run would make on these traces at the monitor's sample rates. */
  run_judge_calls: z.number(),
  /** What today's budget allows of those calls. */
  budget: budgetAllowanceJson,
  scorers: z.array(z.object({
    name: z.string(),
    type: z.string(),
    traces: z.number(),
    applied: z.number(),
    not_applicable: z.number(),
    filtered_out: z.number(),
    /** Of the applied traces, those a run samples at the scorer's rate. */
    sampled: z.number(),
    reasons: z.record(z.string(), z.number()),
    errors: z.array(z.string()),
    samples: z.array(z.object({ trace_id: z.string(), value: jsonValue, rationale: z.string().nullable(), error: jsonValue })),
  })),
});

const ownBudget = z.object({ max_judge_calls: z.number().optional(), max_tokens: z.number().optional(), max_cost_usd: z.number().optional() });

export const backfillBody = z.object({
  start_time: z.string(),
  end_time: z.string(),
  scorers: z.array(z.string()).optional(),
  /** The backfill's own judge budget (at least one limit), on top of the monitor's daily budget. */
  budget: ownBudget.optional(),
  confirm: z.boolean().optional(),
});

const backfillEstimateJson = z.object({
  start_time: z.string(),
  end_time: z.string(),
  traces: z.number(),
  judge_calls: z.number(),
  scorers: z.array(z.record(z.string(), jsonValue)),
  model: z.string(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost: z.number().nullable(),
  cost_note: z.string(),
  /** What today's judge budget allows of these calls (null without a budget); the rest is deferred. */
  budget: budgetAllowanceJson,
  /** What the backfill's own budget allows of these calls (null without one); the rest waits for another backfill. */
  backfill_budget: z
    .object({ budget: ownBudget, allowed_judge_calls: z.number(), deferred_judge_calls: z.number(), note: z.string() })
    .nullable()
    .optional(),
});

export const backfillJson = z.object({
  confirmed: z.boolean(),
  estimate: backfillEstimateJson,
  message: z.string().optional(),
  run: runJson.optional(),
});

/** The answer to the PUT that creates a monitor: the document, and the traces it will not judge. */
export const monitorCreatedJson = monitorJson.extend({
  existing_traces: z.object({
    count: z.number(),
    message: z.string(),
    backfill: z
      .object({
        request: z.object({ start_time: z.string(), end_time: z.string(), confirm: z.literal(true) }),
        estimate: backfillEstimateJson.optional(),
      })
      .optional(),
  }),
});

export const trendsQuery = z.object({
  bucket: z.enum(['run', 'hour']).default('run'),
  start_time: z.iso.datetime({ offset: true }).optional(),
  end_time: z.iso.datetime({ offset: true }).optional(),
  max_points: z.coerce.number().int().min(1).max(10_000).default(2000),
});

export const trendsJson = z.object({
  bucket: z.enum(['run', 'hour']),
  points: z.array(z.object({
    bucket: z.string(),
    time: z.string(),
    scorer: z.string(),
    kind: z.enum(['pass_rate', 'mean']),
    n: z.number(),
    errors: z.number(),
    value: z.number().nullable(),
    low: z.number().nullable(),
    high: z.number().nullable(),
  })),
  /** A statement over the results view that reads the same numbers (per run or per hour, within the range). */
  sql: z.string().nullable(),
});

export const scorerDecisionJson = z.object({
  scorer: z.string(),
  type: z.string(),
  level: z.enum(['trace', 'session']),
  decision: z.enum(['scored', 'error', 'filtered_out', 'not_sampled', 'not_applicable', 'deferred_by_budget', 'in_progress', 'pending', 'waiting_for_idle', 'before_monitor', 'not_scored']),
  reason: z.string(),
  filters: z.object({ monitor: z.boolean().nullable(), scorer: z.boolean().nullable() }),
  sample: z.object({ u: z.number(), rate: z.number(), sampled: z.boolean() }),
  applicability: z.object({ applies: z.boolean(), reason: z.string().nullable() }),
  deferred: z.object({ run_id: z.string().nullable(), since: z.string(), budget: z.enum(['day', 'backfill']) }).nullable(),
  feedback: z
    .object({ assessment_id: z.string(), run_id: z.string().nullable(), create_time: z.string(), value: jsonValue, error: jsonValue, valid: z.boolean() })
    .nullable(),
  /** For session scorers on a trace with a session: the session's version, idleness and feedback turn. */
  session: z
    .object({
      session_id: z.string(),
      turns: z.number(),
      last_trace_id: z.string(),
      idle_seconds: z.number(),
      idle_for_seconds: z.number(),
      idle_left_seconds: z.number(),
      feedback_trace_id: z.string().nullable(),
      feedback_turns: z.number().nullable(),
    })
    .nullable(),
});

export const traceDecisionsJson = z.object({
  trace_id: z.string(),
  experiment_id: z.string(),
  monitor: z.boolean(),
  coverage: z.enum(['in_progress', 'in_active_run', 'awaiting_run', 'before_monitor', 'processed']).nullable(),
  coverage_reason: z.string(),
  scorers: z.array(scorerDecisionJson),
});

export const decisionsQuery = z.object({ trace_id: z.string().min(1) });

const interval = z.array(z.number()).nullable();

export const alertsQuery = z.object({ max_results: z.coerce.number().int().min(1).max(1000).default(100) });

export const alertsJson = z.object({
  alerts: z.array(z.object({
    name: z.string(),
    rule: z.record(z.string(), jsonValue),
    state: z.enum(['ok', 'firing']),
    since: z.string().nullable(),
    streak: z.number(),
    last_evaluated_at: z.string().nullable(),
    last_run_id: z.string().nullable(),
    value: z.number().nullable(),
    interval,
    sample_size: z.number().nullable(),
  })),
  history: z.array(z.object({
    event_id: z.string(),
    alert: z.string(),
    state: z.enum(['firing', 'resolved']),
    run_id: z.string().nullable(),
    value: z.number().nullable(),
    interval,
    sample_size: z.number().nullable(),
    threshold: z.number(),
    time: z.string(),
    deliveries: z.array(z.object({
      delivery_id: z.string(),
      webhook: z.string(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number(),
      last_status: z.number().nullable(),
      last_error: z.string().nullable(),
      created_at: z.string(),
      delivered_at: z.string().nullable(),
    })),
  })),
});

export const budgetJson = z.object({
  budget: z.record(z.string(), jsonValue).nullable(),
  period_start: z.string(),
  renews_at: z.string(),
  used: z.object({ judge_calls: z.number(), tokens: z.number(), cost_usd: z.number() }),
  deferred_pairs: z.number(),
  /** Of the deferred (trace, scorer) pairs, those budgeted backfills hold back: only another backfill judges them. */
  deferred_for_backfill: z.number(),
});
