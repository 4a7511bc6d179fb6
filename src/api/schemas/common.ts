/** Response shapes shared by several resources, for the OpenAPI document. */
import { z } from 'zod';

/** Every error's body: a stable code, a message naming the field and the reason, and sometimes details (e.g. `problems`, one per field). */
export const errorBody = z.object({ error_code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });

export const tagMap = z.record(z.string(), z.string());

export const jsonValue = z.unknown();

export const experimentJson = z.object({
  experiment_id: z.string(),
  name: z.string(),
  tags: tagMap,
  created_by: z.string().nullable(),
  creation_time: z.string(),
  /** Days this experiment's traces are kept; null: ASSAY_RETENTION_DAYS. */
  retention_days: z.number().int().nullable(),
});

export const datasetJson = z.object({
  dataset_id: z.string(),
  name: z.string(),
  experiment_ids: z.array(z.string()),
  tags: tagMap,
  record_count: z.number(),
  current_version: z.number(),
  digest: z.string(),
  created_time: z.string(),
  created_by: z.string().nullable(),
  last_update_time: z.string(),
  last_updated_by: z.string().nullable(),
});

export const whoamiJson = z.object({
  name: z.string(),
  role: z.enum(['reader', 'writer', 'admin']),
  /** False when no token exists: everyone acts as the admin 'anonymous'. */
  auth_required: z.boolean(),
  /** The Assay version answering (`assay --version`). */
  version: z.string(),
});

/** The OpenAPI 3 document itself (its paths and schemas are left open here). */
export const openApiJson = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });
