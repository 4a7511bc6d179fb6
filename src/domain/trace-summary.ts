/**
 * What a trace row keeps about its spans: request/response, state, times, previews, tokens and cost.
 * Values the payload states (MLflow `info`) win; the rest is derived from the spans.
 */
import { computePreview } from './chat-text.ts';
import { isRoot } from './trace.ts';
import type { IncomingTrace, JsonValue, Span, TokenUsage, TraceState, TraceSummary } from './trace.ts';

export { computePreview, extractText, type TextSide } from './chat-text.ts';

const NS_PER_MS = 1_000_000n;
const TOKEN_USAGE = 'mlflow.chat.tokenUsage';
const COST = 'mlflow.llm.cost';
const TRACE_TOKEN_USAGE = 'mlflow.trace.tokenUsage';

/**
 * Summarizes a trace from all of its spans known so far and the header its payload stated.
 * `now` (epoch ms) is the request time of last resort: a header-only trace without `request_time`.
 */
export function summarizeTrace(
  spans: readonly Span[],
  info: IncomingTrace['info'],
  now: number = Date.now(),
): TraceSummary {
  const root = findRoot(spans);
  const request = root?.inputs ?? null;
  const response = root?.outputs ?? null;
  const usage = sumTokenUsage(spans) ?? metadataTokenUsage(info?.trace_metadata?.[TRACE_TOKEN_USAGE]);
  return {
    request_time: info?.request_time ?? (root ? nsToMs(root.start_time_ns) : earliestStartMs(spans)) ?? now,
    execution_duration_ms: info?.execution_duration_ms ?? rootDurationMs(root),
    state: spans.length === 0 && info?.state != null ? info.state : stateFromRoot(root),
    request,
    response,
    request_preview: info?.request_preview ?? computePreview(request, 'request'),
    response_preview: info?.response_preview ?? computePreview(response, 'response'),
    input_tokens: usage?.input_tokens ?? null,
    output_tokens: usage?.output_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
    cost: sumCost(spans),
  };
}

/** The root span; of several (a malformed trace), the earliest. */
function findRoot(spans: readonly Span[]): Span | undefined {
  let root: Span | undefined;
  for (const span of spans) {
    if (isRoot(span) && (root === undefined || span.start_time_ns < root.start_time_ns)) root = span;
  }
  return root;
}

function stateFromRoot(root: Span | undefined): TraceState {
  // Without an ended root more spans may still arrive (OTLP sends them as they end).
  if (root === undefined || root.end_time_ns === null) return 'IN_PROGRESS';
  return root.status_code === 'ERROR' ? 'ERROR' : 'OK';
}

function rootDurationMs(root: Span | undefined): number | null {
  if (root === undefined || root.end_time_ns === null) return null;
  return Math.round(Number(root.end_time_ns - root.start_time_ns) / Number(NS_PER_MS));
}

function earliestStartMs(spans: readonly Span[]): number | null {
  if (spans.length === 0) return null;
  return Math.min(...spans.map((s) => nsToMs(s.start_time_ns)));
}

function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

/** Token usage summed over the spans that carry it, skipping any span below one that already does. */
export function sumTokenUsage(spans: readonly Span[]): TokenUsage | null {
  const usages = outermostValues(spans, (s) => usageOf(s.attributes[TOKEN_USAGE]));
  if (usages.length === 0) return null;
  const total: TokenUsage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  for (const usage of usages) {
    total.input_tokens += usage.input_tokens;
    total.output_tokens += usage.output_tokens;
    total.total_tokens += usage.total_tokens;
  }
  return total;
}

function sumCost(spans: readonly Span[]): number | null {
  const costs = outermostValues(spans, (s) => costOf(s.attributes[COST]));
  return costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0);
}

/**
 * `valueOf` of the spans that have a value and no ancestor with one: a parent's figure already
 * includes its children's (an agent span reporting the total of its LLM calls).
 */
function outermostValues<T>(spans: readonly Span[], valueOf: (span: Span) => T | null): T[] {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const values: T[] = [];
  for (const span of spans) {
    const value = valueOf(span);
    if (value !== null && !hasAncestorWithValue(span, byId, valueOf)) values.push(value);
  }
  return values;
}

function hasAncestorWithValue<T>(span: Span, byId: Map<string, Span>, valueOf: (span: Span) => T | null): boolean {
  const visited = new Set<string>([span.span_id]);
  let parentId = span.parent_span_id;
  while (parentId !== null && parentId !== '' && !visited.has(parentId)) {
    visited.add(parentId);
    const parent = byId.get(parentId);
    if (parent === undefined) return false;
    if (valueOf(parent) !== null) return true;
    parentId = parent.parent_span_id;
  }
  return false;
}

/** `{input_tokens, output_tokens, total_tokens}` from an attribute value, total defaulting to the sum. */
function usageOf(value: JsonValue | undefined): TokenUsage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const input = toNumber(value.input_tokens);
  const output = toNumber(value.output_tokens);
  const total = toNumber(value.total_tokens);
  if (input === null && output === null && total === null) return null;
  return { input_tokens: input ?? 0, output_tokens: output ?? 0, total_tokens: total ?? (input ?? 0) + (output ?? 0) };
}

function metadataTokenUsage(text: string | undefined): TokenUsage | null {
  if (text === undefined) return null;
  try {
    return usageOf(JSON.parse(text) as JsonValue);
  } catch {
    return null;
  }
}

function costOf(value: JsonValue | undefined): number | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return toNumber(value);
  const total = toNumber(value.total_cost);
  if (total !== null) return total;
  const input = toNumber(value.input_cost);
  const output = toNumber(value.output_cost);
  return input === null && output === null ? null : (input ?? 0) + (output ?? 0);
}

function toNumber(value: JsonValue | undefined): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}
