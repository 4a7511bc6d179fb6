/**
 * Evaluation dataset records (DESIGN §6): the shape a caller sends and the shape Assay keeps, with
 * the zod schemas that validate records at the edge.
 */
import { z } from 'zod';
import type { JsonObject, JsonValue } from './trace.ts';

/** Where a record came from: exactly one of a person, a document or a trace. */
export type RecordSource =
  | { human: { user_name: string } }
  | { document: { doc_uri: string; content?: string } }
  | { trace: { trace_id: string } };

/** A record as a merge brings it. Fields left out change nothing on a match. */
export interface RecordInput {
  inputs: JsonObject;
  outputs?: JsonValue;
  expectations?: JsonObject;
  tags?: Record<string, string>;
  source?: RecordSource;
}

/** A record as stored in one dataset version. */
export interface DatasetRecord {
  dataset_record_id: string;
  inputs: JsonObject;
  outputs: JsonValue | null;
  expectations: JsonObject;
  tags: Record<string, string>;
  source: RecordSource | null;
  create_time: Date;
  created_by: string | null;
  last_update_time: Date;
  last_updated_by: string | null;
}

/** Expectation names with a meaning to Assay's judges; their values are checked by type. */
export const RESERVED_EXPECTATIONS = [
  'expected_response',
  'expected_facts',
  'guidelines',
  'expected_retrieved_context',
] as const;

export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
const jsonObject = z.record(z.string(), jsonValue);

const stringList = z.array(z.string(), { error: 'must be a list of strings' });

/** Expectations: any JSON values by name, with the reserved names checked by type. */
export const expectationsSchema = z
  .object({
    expected_response: z.string({ error: 'must be a string' }).optional(),
    expected_facts: stringList.optional(),
    guidelines: stringList.optional(),
    expected_retrieved_context: z
      .array(
        z.object({ doc_uri: z.string({ error: 'must be a string' }), content: z.string().optional() }).loose(),
        { error: 'must be a list of {doc_uri, content?}' },
      )
      .optional(),
  })
  .catchall(jsonValue);

export const recordSourceSchema = z
  .object({
    human: z.object({ user_name: z.string().min(1) }).strict().optional(),
    document: z.object({ doc_uri: z.string().min(1), content: z.string().optional() }).strict().optional(),
    trace: z.object({ trace_id: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = Object.values(s).filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of human, document or trace' });
    }
  })
  .transform((s): RecordSource => {
    if (s.human) return { human: s.human };
    if (s.document) return { document: s.document };
    return { trace: s.trace! };
  });

/**
 * A record in a merge. Read-only fields an export writes (`dataset_record_id`, times, users) are
 * accepted and ignored so an export can be imported again; anything else unknown is refused.
 */
export const recordInputSchema = z
  .object({
    inputs: jsonObject.refine((v) => !Array.isArray(v), 'must be an object'),
    outputs: jsonValue.optional(),
    expectations: expectationsSchema.optional(),
    tags: z.record(z.string(), z.string({ error: 'tag values must be strings' })).optional(),
    source: recordSourceSchema.nullish(),
    dataset_record_id: z.string().optional(),
    create_time: z.unknown().optional(),
    created_by: z.unknown().optional(),
    last_update_time: z.unknown().optional(),
    last_updated_by: z.unknown().optional(),
  })
  .strict()
  .transform((r): RecordInput => ({
    inputs: r.inputs,
    ...(r.outputs !== undefined ? { outputs: r.outputs } : {}),
    ...(r.expectations !== undefined ? { expectations: r.expectations as JsonObject } : {}),
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
    ...(r.source ? { source: r.source } : {}),
  }));

/** MLflow's JSON form of a record. */
export function recordToJson(r: DatasetRecord): Record<string, unknown> {
  return {
    dataset_record_id: r.dataset_record_id,
    inputs: r.inputs,
    outputs: r.outputs,
    expectations: r.expectations,
    tags: r.tags,
    source: r.source,
    create_time: r.create_time.toISOString(),
    created_by: r.created_by,
    last_update_time: r.last_update_time.toISOString(),
    last_updated_by: r.last_updated_by,
  };
}
