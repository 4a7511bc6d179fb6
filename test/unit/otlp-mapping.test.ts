import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeOtlpRequest } from '../../src/api/otlp-decode.ts';
import { mapOtlpSpans } from '../../src/domain/otlp-mapping.ts';
import { summarizeTrace } from '../../src/domain/trace-summary.ts';
import type { Span } from '../../src/domain/trace.ts';

const fixtureText = readFileSync(new URL('../fixtures/otlp-genai-agent.json', import.meta.url), 'utf8');
const T0 = 1772450000000000000n;

describe('mapOtlpSpans: a GenAI agent trace over two resources (OTLP JSON)', () => {
  const traces = mapOtlpSpans(decodeOtlpRequest(Buffer.from(fixtureText), 'application/json'));
  const [trace] = traces;
  if (trace === undefined) throw new Error('no trace');
  const byId = (suffix: string) => trace.spans.find((s) => s.span_id.endsWith(suffix)) as Span;

  it('groups both resources\' spans into one trace with the resource\'s experiment', () => {
    expect(traces).toHaveLength(1);
    expect(trace.trace_id).toBe('tr-5b8aa5a2d2c872e8321cf37308d69df2');
    expect(trace.spans).toHaveLength(6);
    expect(trace.experiment_hint).toBe('21');
    // The root span's resource names the trace's service.
    expect(trace.info).toEqual({ trace_metadata: { 'mlflow.trace.session': 'conv-9', 'service.name': 'trip-planner' } });
  });

  it('maps span types from GenAI operations, MLflow and OpenInference', () => {
    expect(trace.spans.map((s) => s.span_type)).toEqual(['AGENT', 'CHAT_MODEL', 'TOOL', 'CHAT_MODEL', 'RETRIEVER', 'RERANKER']);
  });

  it('reads inputs/outputs from GenAI messages, flattened prompts and prompt/completion events', () => {
    expect(byId('02').inputs).toEqual([
      { role: 'system', content: 'You plan trips.' },
      { role: 'user', content: 'Plan a day in Lyon' },
    ]);
    expect(byId('02').outputs).toEqual([{ role: 'assistant', content: 'Calling weather tool' }]);
    expect(byId('04').inputs).toEqual([{ role: 'user', content: 'Weather is sunny. Plan the day.' }]);
    expect(byId('04').outputs).toEqual([{ role: 'assistant', content: "Morning: Vieux Lyon. Afternoon: Parc de la Tête d'Or." }]);
  });

  it('parses input.value JSON objects but keeps text that only looks like a number', () => {
    expect(byId('03').inputs).toEqual({ city: 'Lyon' });
    expect(byId('03').outputs).toBe('42');
  });

  it('decodes MLflow\'s JSON-encoded attributes arriving over OTLP', () => {
    expect(byId('05').inputs).toEqual({ query: 'Lyon day trip' });
    expect(byId('05').outputs).toEqual([{ page_content: 'Vieux Lyon is the old town.', metadata: { doc_uri: 'guides/lyon.md', chunk_id: '3' }, id: 'g3' }]);
    expect(byId('05').attributes['mlflow.traceRequestId']).toBe('tr-5b8aa5a2d2c872e8321cf37308d69df2');
  });

  it('converts every AnyValue kind to JSON', () => {
    expect(byId('03').attributes).toMatchObject({
      retry_count: '9007199254740993',
      'http.headers': { accept: 'application/json', 'x-retry': 2 },
      'payload.digest': 'AQID',
      scores: [0.5, 3, true],
    });
  });

  it('normalizes old and new GenAI usage names and models', () => {
    expect(byId('02').attributes['mlflow.chat.tokenUsage']).toEqual({ input_tokens: 95, output_tokens: 12, total_tokens: 107 });
    expect(byId('02').attributes['mlflow.llm.model']).toBe('gpt-4o-mini');
    expect(byId('04').attributes['mlflow.llm.model']).toBe('gpt-4o-mini-2024-07-18');
  });

  it('reads statuses (UNSET is OK) and keeps an unended span open', () => {
    expect(trace.spans.map((s) => s.status_code)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK']);
    expect(byId('06').end_time_ns).toBeNull();
    expect(byId('01').start_time_ns).toBe(T0);
  });

  it('summarizes like an MLflow trace', () => {
    expect(summarizeTrace(trace.spans, trace.info)).toMatchObject({
      state: 'OK',
      execution_duration_ms: 3000,
      request_preview: 'Plan a day in Lyon',
      response_preview: "Morning: Vieux Lyon. Afternoon: Parc de la Tête d'Or.",
      input_tokens: 235,
      output_tokens: 42,
    });
    expect(summarizeTrace(trace.spans.slice(1), null).state).toBe('IN_PROGRESS');
  });
});

describe('decodeOtlpRequest: JSON variants', () => {
  const minimal = (span: Record<string, unknown>) => ({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
  const base = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 's', startTimeUnixNano: '1', endTimeUnixNano: '2' };

  it('accepts base64 ids, snake_case field names, numeric times and an already parsed body', () => {
    const body = {
      resource_spans: [{ scope_spans: [{ spans: [{ trace_id: 'CvdlGRbNQ92ESOshHIAxnA==', span_id: 't61rcWkgMzE=', name: 's', start_time_unix_nano: 5 }] }] }],
    };
    const [trace] = mapOtlpSpans(decodeOtlpRequest(body, 'application/json'));
    expect(trace?.trace_id).toBe('tr-0af7651916cd43dd8448eb211c80319c');
    expect(trace?.spans[0]).toMatchObject({ span_id: 'b7ad6b7169203331', start_time_ns: 5n, end_time_ns: null });
  });

  it('keeps the last copy of a span sent twice and reads STATUS_CODE_ERROR', () => {
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [base, { ...base, name: 'again', status: { code: 'STATUS_CODE_ERROR', message: 'x' } }] }] }] };
    const [trace] = mapOtlpSpans(decodeOtlpRequest(JSON.stringify(body), 'application/json'));
    expect(trace?.spans).toHaveLength(1);
    expect(trace?.spans[0]).toMatchObject({ name: 'again', status_code: 'ERROR', status_message: 'x' });
  });

  it('accepts an empty export', () => {
    expect(decodeOtlpRequest({}, 'application/json')).toEqual([]);
    expect(decodeOtlpRequest(Buffer.alloc(0), 'application/x-protobuf')).toEqual([]);
    expect(mapOtlpSpans(decodeOtlpRequest(minimal(base), 'application/json'))[0]?.experiment_hint).toBeNull();
  });
});
