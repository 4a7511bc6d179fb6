/**
 * Evaluation records as a request brings them, in either of the two shapes Assay accepts, turned
 * into one shape: MLflow's (`inputs`, `outputs`, `expectations`, `trace`) and the agent-evaluation
 * one (`request`, `response`, `retrieved_context`, `expected_*`, `guidelines`, `request_id`).
 * A multi-turn record gives its `inputs` as a list of chat messages, kept as `{messages: [...]}`.
 * Also: which judges a row gets when the request names none.
 */
import { z } from 'zod';
import { expectationsSchema, jsonValue } from './dataset-record.ts';
import type { JsonObject, JsonValue } from './trace.ts';

/** One row's data, whatever shape it arrived in. */
export interface EvalRecord {
  inputs: JsonObject;
  /** undefined: the record brings no output (a target must produce it). */
  outputs?: JsonValue;
  expectations: JsonObject;
  retrieved_context: JsonValue[] | null;
  /** An MLflow trace JSON the caller recorded for this row (the client's `evaluate`). */
  trace: JsonObject | null;
  request_id: string | null;
  /** The caller's own failure for this row (its function threw): the row is errored with it. */
  error: string | null;
}

const jsonObject = z.record(z.string(), jsonValue);
/** A multi-turn record's inputs: the conversation so far as chat messages. */
const messageList = z.array(z.object({ role: z.string().min(1), content: jsonValue }).loose()).min(1, 'a multi-turn record needs at least one chat message');
const recordInputs = z.union([jsonObject, messageList], {
  error: 'must be an object, or a list of chat messages [{"role": "user", "content": "…"}, …] (a multi-turn record)',
});
const contextList = z.array(jsonValue, { error: 'must be a list of documents' });

const mlflowShape = z
  .object({
    inputs: recordInputs,
    outputs: jsonValue.optional(),
    expectations: expectationsSchema.optional(),
    retrieved_context: contextList.nullish(),
    trace: jsonObject.nullish(),
    request_id: z.string().nullish(),
    error: z.string().nullish(),
  })
  .strict();

const agentShape = z
  .object({
    request: z.union([z.string(), jsonObject], { error: 'must be a string or {messages: [...]}' }),
    response: jsonValue.optional(),
    retrieved_context: contextList.nullish(),
    expected_response: z.string().optional(),
    expected_facts: z.array(z.string()).optional(),
    expected_retrieved_context: z.array(z.object({ doc_uri: z.string() }).loose()).optional(),
    guidelines: z.array(z.string()).optional(),
    request_id: z.string().nullish(),
  })
  .strict();

/** Validates one inline record; returns it or the problems, each `<path>.<field>: message`. */
export function parseEvalRecord(raw: unknown, path: string): EvalRecord | string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`${path}: must be an object`];
  const isAgent = 'request' in raw && !('inputs' in raw);
  if (!isAgent && !('inputs' in raw)) return [`${path}.inputs: required (or give 'request' in the agent-evaluation shape)`];
  const parsed = (isAgent ? agentShape : mlflowShape).safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => `${[path, ...i.path.map(String)].join('.')}: ${i.message}`);
  }
  if (!isAgent) {
    const r = parsed.data as z.infer<typeof mlflowShape>;
    return {
      // A list of messages is kept as `{messages: [...]}`: the shape chat targets and datasets use.
      inputs: Array.isArray(r.inputs) ? { messages: r.inputs as JsonValue[] } : r.inputs,
      ...(r.outputs !== undefined ? { outputs: r.outputs } : {}),
      expectations: (r.expectations ?? {}) as JsonObject,
      retrieved_context: r.retrieved_context ?? null,
      trace: r.trace ?? null,
      request_id: r.request_id ?? null,
      error: r.error ?? null,
    };
  }
  const r = parsed.data as z.infer<typeof agentShape>;
  const expectations: JsonObject = {};
  if (r.expected_response !== undefined) expectations.expected_response = r.expected_response;
  if (r.expected_facts !== undefined) expectations.expected_facts = r.expected_facts;
  if (r.expected_retrieved_context !== undefined) expectations.expected_retrieved_context = r.expected_retrieved_context as JsonValue;
  if (r.guidelines !== undefined) expectations.guidelines = r.guidelines;
  return {
    inputs: typeof r.request === 'string' ? { request: r.request } : r.request,
    ...(r.response !== undefined ? { outputs: r.response } : {}),
    expectations,
    retrieved_context: r.retrieved_context ?? null,
    trace: null,
    request_id: r.request_id ?? null,
    error: null,
  };
}

/** Ground truth: an expected response or expected facts. */
export function hasGroundTruth(expectations: JsonObject): boolean {
  return expectations.expected_response !== undefined || expectations.expected_facts !== undefined;
}

/**
 * The judges a row gets when the request names none (DESIGN §7): with ground truth correctness,
 * retrieval sufficiency, groundedness and safety; without, relevance to query, retrieval relevance,
 * groundedness and safety. Retrieval judges only where the row has retrieved context.
 */
export function defaultScorers(row: { expectations: JsonObject; hasRetrieval: boolean }): string[] {
  const truth = hasGroundTruth(row.expectations);
  const list = truth
    ? ['correctness', 'retrieval_sufficiency', 'retrieval_groundedness', 'safety']
    : ['relevance_to_query', 'retrieval_relevance', 'retrieval_groundedness', 'safety'];
  return row.hasRetrieval ? list : list.filter((name) => !name.startsWith('retrieval_'));
}
