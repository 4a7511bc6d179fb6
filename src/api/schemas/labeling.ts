/** Labeling session JSON as the API answers it, for the OpenAPI document. */
import { z } from 'zod';
import { jsonValue } from './common.ts';

export const labelSchemaJson = z.object({
  name: z.string(),
  kind: z.enum(['feedback', 'expectation']),
  type: z.enum(['yes_no', 'numeric', 'categorical', 'text']),
  title: z.string().optional(),
  instruction: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  options: z.array(z.string()).optional(),
  multiple: z.boolean().optional(),
});

export const progressJson = z.object({
  total: z.number(),
  done: z.number(),
  by_user: z.record(z.string(), z.number()),
});

export const labelingSessionJson = z.object({
  labeling_session_id: z.string(),
  name: z.string(),
  experiment_id: z.string(),
  label_schemas: z.array(labelSchemaJson),
  assigned_users: z.array(z.string()),
  created_time: z.string(),
  created_by: z.string().nullable(),
  last_update_time: z.string(),
  progress: progressJson,
});

export const sessionTraceJson = z.object({
  trace_id: z.string(),
  position: z.number(),
  request_preview: z.string().nullable(),
  response_preview: z.string().nullable(),
  request_time: z.string(),
  state: z.string(),
  labels: z.record(
    z.string(),
    z.array(z.object({ assessment_id: z.string(), value: jsonValue, rationale: z.string().nullable(), source_id: z.string().nullable(), last_update_time: z.string() })),
  ),
  labeled: z.array(z.string()),
  done: z.boolean(),
});

export const syncJson = z.object({
  dataset_name: z.string(),
  records_added: z.number(),
  records_merged: z.number(),
  version: z.number(),
  dataset_created: z.boolean(),
});
