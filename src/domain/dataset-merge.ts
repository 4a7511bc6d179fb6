/**
 * merge_records, as MLflow defines it, as pure functions: records match on their inputs; a match
 * merges expectations and tags key by key, replaces outputs when given, and keeps source and
 * creation fields. The storage side only loads the matches and writes what these functions return.
 */
import { canonicalJson, inputsHash, sha256Hex } from './canonical-json.ts';
import type { DatasetRecord, RecordInput, RecordSource } from './dataset-record.ts';
import type { JsonObject, JsonValue, StoredTrace } from './trace.ts';
import { isRoot } from './trace.ts';

/** A batch entry after in-batch duplicates were merged, keyed by its inputs hash. */
export interface CollapsedInput {
  hash: string;
  input: RecordInput;
}

/** Who and when a change happens, and how new record ids are made. */
export interface MergeContext {
  user: string;
  now: Date;
  newId: () => string;
}

/** Without an explicit source: expectations present → a human source (the caller), none → no source. */
export function resolveSource(input: RecordInput, user: string): RecordSource | undefined {
  if (input.source) return input.source;
  if (input.expectations && Object.keys(input.expectations).length > 0) return { human: { user_name: user } };
  return undefined;
}

/** Folds a later input into an earlier one with the same inputs, as two merges in a row would. */
function foldInput(earlier: RecordInput, later: RecordInput): RecordInput {
  return {
    inputs: earlier.inputs,
    ...(later.outputs !== undefined ? { outputs: later.outputs } : earlier.outputs !== undefined ? { outputs: earlier.outputs } : {}),
    ...(earlier.expectations || later.expectations
      ? { expectations: { ...earlier.expectations, ...later.expectations } }
      : {}),
    ...(earlier.tags || later.tags ? { tags: { ...earlier.tags, ...later.tags } } : {}),
    ...(earlier.source ?? later.source ? { source: (earlier.source ?? later.source)! } : {}),
  };
}

/**
 * Merges duplicates inside one batch in order, so the batch behaves as if its records had been
 * merged one at a time. Sources are resolved first: a duplicate's own default never replaces the
 * source its first occurrence set. The result keeps first-occurrence order.
 */
export function collapseBatch(inputs: readonly RecordInput[], user: string): CollapsedInput[] {
  const byHash = new Map<string, CollapsedInput>();
  for (const raw of inputs) {
    const source = resolveSource(raw, user);
    const { source: _given, ...rest } = raw;
    const input: RecordInput = source ? { ...rest, source } : rest;
    const hash = inputsHash(input.inputs);
    const seen = byHash.get(hash);
    if (seen) seen.input = foldInput(seen.input, input);
    else byHash.set(hash, { hash, input });
  }
  return [...byHash.values()];
}

/** The stored record after merging an input into it (or a new record when there is no match). */
export function mergeRecord(existing: DatasetRecord | undefined, input: RecordInput, ctx: MergeContext): DatasetRecord {
  if (!existing) {
    return {
      dataset_record_id: ctx.newId(),
      inputs: input.inputs,
      outputs: input.outputs ?? null,
      expectations: { ...input.expectations },
      tags: { ...input.tags },
      source: input.source ?? null,
      create_time: ctx.now,
      created_by: ctx.user,
      last_update_time: ctx.now,
      last_updated_by: ctx.user,
    };
  }
  return {
    ...existing,
    outputs: input.outputs !== undefined ? input.outputs : existing.outputs,
    expectations: { ...existing.expectations, ...input.expectations },
    tags: { ...existing.tags, ...input.tags },
    // A record keeps its source; one that had none takes the first one given.
    source: existing.source ?? input.source ?? null,
    last_update_time: ctx.now,
    last_updated_by: ctx.user,
  };
}

/**
 * A trace as a record: its root span's inputs and outputs (the trace's request and response when
 * the spans are gone), its valid expectation assessments as expectations (the latest one wins for
 * a name), and a trace source. Inputs that are not an object are kept under `request`.
 */
export function traceToRecordInput(trace: StoredTrace): RecordInput {
  const root = trace.spans.find(isRoot);
  const request = root ? root.inputs : trace.info.request;
  const response = root ? root.outputs : trace.info.response;
  const expectations: JsonObject = {};
  const sorted = [...trace.assessments].sort((a, b) => a.create_time.getTime() - b.create_time.getTime());
  for (const a of sorted) {
    if (a.kind === 'expectation' && a.valid) expectations[a.name] = a.value;
  }
  return {
    inputs: isObject(request) ? request : request === null || request === undefined ? {} : { request },
    ...(response !== null && response !== undefined ? { outputs: response } : {}),
    ...(Object.keys(expectations).length > 0 ? { expectations } : {}),
    source: { trace: { trace_id: trace.info.trace_id } },
  };
}

function isObject(value: JsonValue | null | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * SHA-256 (hex) of what a record says, not who or when: its inputs (by their hash, already known)
 * and the canonical JSON of `{outputs, expectations, tags, source}`.
 */
export function contentHash(
  inputsHash: string,
  r: Pick<DatasetRecord, 'outputs' | 'expectations' | 'tags' | 'source'>,
): string {
  const rest = { outputs: r.outputs, expectations: r.expectations, tags: r.tags, source: r.source };
  return sha256Hex(`${inputsHash}\n${canonicalJson(rest as JsonValue)}`);
}

/** The digest of an empty dataset. */
export const EMPTY_DIGEST = '0'.repeat(64);

/**
 * A dataset version's digest: the XOR of its records' content hashes. Order does not matter and a
 * change is applied in O(changed records): XOR out the old hashes, XOR in the new ones.
 */
export function updateDigest(digest: string, removed: readonly string[], added: readonly string[]): string {
  let value = BigInt(`0x${digest}`);
  for (const h of removed) value ^= BigInt(`0x${h}`);
  for (const h of added) value ^= BigInt(`0x${h}`);
  return value.toString(16).padStart(64, '0');
}
