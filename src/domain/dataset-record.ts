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

/** True for a value JSON can carry (finite numbers; plain arrays and objects all the way down). */
function isJson(value: unknown): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJson);
      return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isJson);
    default:
      return false;
  }
}

// A plain check rather than a recursive zod union: merges validate up to a million records, and
// the union costs more than the database write.
export const jsonValue = z.custom<JsonValue>(isJson, { error: 'must be a JSON value' });
const jsonObject = z.custom<JsonObject>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && isJson(v),
  { error: 'must be an object' },
);

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
    inputs: jsonObject,
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

/**
 * A record id: `dr-` and 32 hex digits, MLflow's shape. The first 12 digits are the record's place
 * in its dataset's order (so a lookup by id is a primary-key lookup), the other 20 are random.
 */
export function recordIdFor(seq: number, random: string): string {
  return `dr-${seq.toString(16).padStart(12, '0')}${random}`;
}

/** The order place an Assay record id carries, or undefined for anything else. */
export function recordSeqOf(id: string): number | undefined {
  const match = /^dr-([0-9a-f]{12})[0-9a-f]{20}$/.exec(id);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

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
