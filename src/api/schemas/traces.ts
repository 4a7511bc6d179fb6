/** Trace, span and assessment JSON as the API answers them (MLflow's forms), for the OpenAPI document. */
import { z } from 'zod';
import { jsonValue, tagMap } from './common.ts';

export const assessmentJson = z.object({
  assessment_id: z.string(),
  assessment_name: z.string(),
  trace_id: z.string(),
  span_id: z.string().nullable(),
  source: z.object({ source_type: z.string(), source_id: z.string().nullable().optional() }),
  create_time: z.string(),
  last_update_time: z.string(),
  feedback: z.object({ value: jsonValue, error: z.object({ error_code: z.string(), error_message: z.string() }).nullable() }).optional(),
  expectation: z.object({ value: jsonValue }).optional(),
  rationale: z.string().nullable(),
  metadata: tagMap,
  overrides: z.string().nullable(),
  valid: z.boolean(),
});

export const traceInfoJson = z.object({
  trace_id: z.string(),
  experiment_id: z.string(),
  /** MLflow 3's form of the experiment the trace belongs to. */
  trace_location: z.object({ type: z.literal('MLFLOW_EXPERIMENT'), mlflow_experiment: z.object({ experiment_id: z.string() }) }),
  request_time: z.string(),
  execution_duration_ms: z.number().nullable(),
  state: z.string(),
  request_preview: z.string().nullable(),
  response_preview: z.string().nullable(),
  client_request_id: z.string().nullable(),
  trace_metadata: tagMap,
  tags: tagMap,
  token_usage: z.object({ input_tokens: z.number().nullable(), output_tokens: z.number().nullable(), total_tokens: z.number().nullable() }).nullable(),
  /** Cost of the model calls in the trace, in the currency of the prices it was computed with. */
  cost: z.number().nullable(),
  assessments: z.array(assessmentJson).optional(),
});

export const spanJson = z.object({
  trace_id: z.string(),
  span_id: z.string(),
  parent_span_id: z.string().nullable(),
  name: z.string(),
  span_type: z.string().nullable(),
  start_time_unix_nano: z.string(),
  end_time_unix_nano: z.string().nullable(),
  status: z.object({ code: z.string(), message: z.string().nullable() }),
  inputs: jsonValue,
  outputs: jsonValue,
  attributes: z.record(z.string(), jsonValue),
  events: z.array(jsonValue),
});

export const traceJson = z.object({ info: traceInfoJson, data: z.object({ spans: z.array(spanJson) }) });

export const traceListJson = z.object({ traces: z.array(traceInfoJson), next_page_token: z.string().optional() });

/** A search page: trace infos, each with `extracted` when the search asked for `extract_fields`. */
export const traceSearchJson = z.object({
  traces: z.array(
    traceInfoJson.extend({
      /** The value of each asked field, keyed by the field as written; null where missing. */
      extracted: z.record(z.string(), jsonValue).optional(),
    }),
  ),
  next_page_token: z.string().optional(),
});

/** How many traces match a filter, counted up to the asked `limit`; `more` when others match too. */
export const traceCountJson = z.object({ count: z.number().int(), more: z.boolean() });
