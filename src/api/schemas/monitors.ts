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
  scorers: z.array(monitorScorerJson),
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
});

export const runListJson = z.object({ runs: z.array(runJson) });

export const testReportJson = z.object({
  traces: z.number(),
  scorers: z.array(z.object({
    name: z.string(),
    type: z.string(),
    traces: z.number(),
    applied: z.number(),
    not_applicable: z.number(),
    filtered_out: z.number(),
    reasons: z.record(z.string(), z.number()),
    errors: z.array(z.string()),
    samples: z.array(z.object({ trace_id: z.string(), value: jsonValue, rationale: z.string().nullable(), error: jsonValue })),
  })),
});

export const backfillBody = z.object({ start_time: z.string(), end_time: z.string(), confirm: z.boolean().optional() });

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
  /** A statement over the results table that reads the same hourly numbers. */
  sql: z.string().nullable(),
});
