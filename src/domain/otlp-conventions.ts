/**
 * Reads one OTLP span's attributes through the three conventions Assay understands (MLflow's own,
 * OpenInference, OpenTelemetry GenAI) into MLflow's span model. The table is in
 * shared/spec/trace-formats.md; where several conventions are present MLflow's wins, then
 * OpenInference, then GenAI.
 */
import type { JsonObject, JsonValue } from './trace.ts';

/** What a span's attributes say once read through the conventions. */
export interface SpanSemantics {
  span_type: string;
  inputs: JsonValue | null;
  outputs: JsonValue | null;
  /** The attributes with `mlflow.spanType`, `mlflow.chat.tokenUsage` and `mlflow.llm.model` filled in. */
  attributes: JsonObject;
}

/** A span event as stored: `{name, time_unix_nano, attributes}`. */
// A type alias, not an interface, so that it is assignable to JsonValue.
export type SpanEventJson = {
  name: string;
  time_unix_nano: number;
  attributes: JsonObject;
};

const GENAI_OPERATIONS: Record<string, string> = {
  chat: 'CHAT_MODEL',
  generate_content: 'CHAT_MODEL',
  text_completion: 'LLM',
  embeddings: 'EMBEDDING',
  execute_tool: 'TOOL',
  invoke_agent: 'AGENT',
  create_agent: 'AGENT',
};

// Event names of the GenAI conventions that carry one message each, with the role they imply.
const MESSAGE_EVENTS: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

/** Interprets a span's attributes (already plain JSON) and events. */
export function interpretSpan(raw: JsonObject, events: readonly SpanEventJson[]): SpanSemantics {
  const attributes = decodeMlflowAttributes(raw);
  const spanType = spanTypeOf(attributes);
  attributes['mlflow.spanType'] = spanType;
  const usage = tokenUsageOf(attributes);
  if (usage !== null) attributes['mlflow.chat.tokenUsage'] = usage;
  const model = firstString(attributes, ['mlflow.llm.model', 'llm.model_name', 'gen_ai.response.model', 'gen_ai.request.model']);
  if (model !== null) attributes['mlflow.llm.model'] = model;
  return { span_type: spanType, inputs: inputsOf(attributes, events), outputs: outputsOf(attributes, events), attributes };
}

/** MLflow's OTLP exporter JSON-encodes its own attributes, as in its trace JSON. */
function decodeMlflowAttributes(raw: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    out[key] = key.startsWith('mlflow.') && typeof value === 'string' ? parseOr(value) : value;
  }
  return out;
}

function spanTypeOf(a: JsonObject): string {
  const mlflow = a['mlflow.spanType'];
  if (typeof mlflow === 'string' && mlflow !== '') return mlflow;
  const kind = a['openinference.span.kind'];
  if (typeof kind === 'string' && kind !== '') return kind.toUpperCase();
  const operation = a['gen_ai.operation.name'];
  return (typeof operation === 'string' && GENAI_OPERATIONS[operation]) || 'UNKNOWN';
}

function inputsOf(a: JsonObject, events: readonly SpanEventJson[]): JsonValue | null {
  if ('mlflow.spanInputs' in a) return a['mlflow.spanInputs'] ?? null;
  if ('input.value' in a) return valueByMimeType(a['input.value'], a['input.mime_type']);
  if ('gen_ai.input.messages' in a) return jsonish(a['gen_ai.input.messages']);
  if ('gen_ai.prompt' in a) return jsonish(a['gen_ai.prompt']);
  const messages = indexedMessages(a, 'llm.input_messages') ?? indexedMessages(a, 'gen_ai.prompt');
  if (messages !== null) return messages;
  const prompt = events.find((e) => e.name === 'gen_ai.content.prompt')?.attributes['gen_ai.prompt'];
  if (prompt !== undefined) return jsonish(prompt);
  const eventMessages = events.flatMap((e) => {
    const role = MESSAGE_EVENTS[e.name];
    return role === undefined ? [] : [{ role: stringOr(e.attributes.role, role), content: jsonish(e.attributes.content ?? null) }];
  });
  return eventMessages.length > 0 ? eventMessages : null;
}

function outputsOf(a: JsonObject, events: readonly SpanEventJson[]): JsonValue | null {
  if ('mlflow.spanOutputs' in a) return a['mlflow.spanOutputs'] ?? null;
  const documents = retrievedDocuments(a);
  if (documents !== null) return documents;
  if ('output.value' in a) return valueByMimeType(a['output.value'], a['output.mime_type']);
  if ('gen_ai.output.messages' in a) return jsonish(a['gen_ai.output.messages']);
  if ('gen_ai.completion' in a) return jsonish(a['gen_ai.completion']);
  const messages = indexedMessages(a, 'llm.output_messages') ?? indexedMessages(a, 'gen_ai.completion');
  if (messages !== null) return messages;
  const completion = events.find((e) => e.name === 'gen_ai.content.completion')?.attributes['gen_ai.completion'];
  if (completion !== undefined) return jsonish(completion);
  const choices = events.filter((e) => e.name === 'gen_ai.choice').map((e) => jsonish(e.attributes.message ?? e.attributes.content ?? null));
  return choices.length > 0 ? (choices.length === 1 ? (choices[0] ?? null) : choices) : null;
}

/**
 * OpenInference's flattened `retrieval.documents.N.document.{id,content,score,metadata}` as MLflow
 * retriever outputs `{page_content, metadata: {doc_uri, chunk_id, …}, id}`.
 */
function retrievedDocuments(a: JsonObject): JsonValue[] | null {
  const groups = indexedGroups(a, 'retrieval.documents');
  if (groups.length === 0) return null;
  return groups.map((g) => {
    const metadata: JsonObject = {};
    const stated = jsonish(g['document.metadata'] ?? null);
    if (isObject(stated)) Object.assign(metadata, stated);
    for (const [key, value] of Object.entries(g)) {
      if (key.startsWith('document.metadata.')) metadata[key.slice('document.metadata.'.length)] = value;
    }
    const uri = metadata.doc_uri ?? metadata.uri;
    if (uri !== undefined) metadata.doc_uri = uri;
    if (g['document.score'] !== undefined) metadata.score = g['document.score'];
    const content = g['document.content'];
    const doc: JsonObject = { page_content: typeof content === 'string' ? content : JSON.stringify(content ?? '') };
    doc.metadata = metadata;
    if (g['document.id'] != null) doc.id = String(g['document.id']);
    return doc;
  });
}

/** `{input_tokens, output_tokens, total_tokens}` from OpenInference or GenAI counts; null when none. */
function tokenUsageOf(a: JsonObject): JsonObject | null {
  if (isObject(a['mlflow.chat.tokenUsage'])) return null;
  const input = firstNumber(a, ['llm.token_count.prompt', 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']);
  const output = firstNumber(a, ['llm.token_count.completion', 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']);
  const total = firstNumber(a, ['llm.token_count.total', 'gen_ai.usage.total_tokens']);
  if (input === null && output === null && total === null) return null;
  return { input_tokens: input ?? 0, output_tokens: output ?? 0, total_tokens: total ?? (input ?? 0) + (output ?? 0) };
}

/** `prefix.N.rest` attributes grouped by N (in order), each group keyed by `rest`. */
function indexedGroups(a: JsonObject, prefix: string): JsonObject[] {
  const groups = new Map<number, JsonObject>();
  for (const [key, value] of Object.entries(a)) {
    const match = key.startsWith(`${prefix}.`) ? /^(\d+)\.(.+)$/.exec(key.slice(prefix.length + 1)) : null;
    if (match === null) continue;
    const index = Number(match[1]);
    const group = groups.get(index) ?? {};
    group[match[2] ?? ''] = value;
    groups.set(index, group);
  }
  return [...groups.entries()].sort(([x], [y]) => x - y).map(([, group]) => group);
}

/** Flattened chat messages (`llm.input_messages.N.message.role`, `gen_ai.prompt.N.content`) as `[{role, content}]`. */
function indexedMessages(a: JsonObject, prefix: string): JsonValue[] | null {
  const groups = indexedGroups(a, prefix);
  if (groups.length === 0) return null;
  return groups.map((g) => ({
    role: g['message.role'] ?? g.role ?? null,
    content: g['message.content'] ?? g.content ?? null,
  }));
}

function valueByMimeType(value: JsonValue | undefined, mimeType: JsonValue | undefined): JsonValue | null {
  if (typeof value !== 'string') return value ?? null;
  const mime = typeof mimeType === 'string' ? mimeType.toLowerCase() : '';
  if (mime.includes('json')) return parseOr(value);
  // Without a stated type, only structured JSON is taken as JSON: "42" stays the text it was.
  if (mime === '') return jsonish(value);
  return value;
}

/** A string holding a JSON object or array, parsed; anything else as it is. */
function jsonish(value: JsonValue): JsonValue {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  return parseOr(value);
}

/** `text` parsed as JSON, or `text` itself when it does not parse. */
function parseOr(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function firstString(a: JsonObject, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = a[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function firstNumber(a: JsonObject, keys: readonly string[]): number | null {
  for (const key of keys) {
    const value = a[key];
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (value !== '' && Number.isFinite(n)) return n;
  }
  return null;
}

function stringOr(value: JsonValue | undefined, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
