import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { summarizeTrace } from '../../src/domain/trace-summary.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const T0 = 1772446530250000000n;

describe('parseMlflowPayload: a chat trace with base64 ids', () => {
  const [trace] = parseMlflowPayload(fixture('mlflow-chat-trace.json'));
  if (trace === undefined) throw new Error('no trace');

  it('normalizes ids: tr-<32 hex> for the trace, 16 hex for spans', () => {
    expect(trace.trace_id).toBe('tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00');
    expect(trace.spans.map((s) => [s.trace_id, s.span_id, s.parent_span_id])).toEqual([
      ['tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00', '0102030405060708', null],
      ['tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00', '1112131415161718', '0102030405060708'],
    ]);
  });

  it('decodes JSON-encoded attributes and keeps the raw string when one does not parse', () => {
    const llm = trace.spans[1];
    expect(llm?.span_type).toBe('CHAT_MODEL');
    expect(llm?.attributes['mlflow.chat.tokenUsage']).toEqual({ input_tokens: 120, output_tokens: 24, total_tokens: 144 });
    expect(llm?.attributes['mlflow.llm.model']).toBe('gpt-4o-mini');
    expect(llm?.attributes.temperature).toBe(0.2);
    expect(llm?.attributes.invocation_note).toBe('not json {');
    expect(trace.spans[0]?.inputs).toMatchObject({ messages: [{ role: 'system' }, {}, {}, { content: 'What is our refund window?' }] });
  });

  it('reads times as bigint nanoseconds and status codes', () => {
    const root = trace.spans[0];
    expect(root?.start_time_ns).toBe(T0);
    expect(root?.end_time_ns).toBe(T0 + 842_000_000n);
    expect(root?.status_code).toBe('OK');
  });

  it('keeps the stated info fields and the experiment hint', () => {
    expect(trace.experiment_hint).toBe('12');
    expect(trace.info).toEqual({
      request_time: Date.parse('2026-03-02T10:15:30.250Z'),
      execution_duration_ms: 842,
      state: 'OK',
      client_request_id: 'req-77',
      trace_metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.trace.session': 's-9', 'mlflow.trace.user': 'u-1' },
      tags: { 'mlflow.traceName': 'answer_question', environment: 'production' },
    });
  });

  it('validates info.assessments: feedback and expectation (HUMAN by default)', () => {
    expect(trace.assessments).toEqual([
      {
        assessment_id: 'a-5b0c01',
        name: 'relevance_to_query',
        kind: 'feedback',
        span_id: null,
        value: 'yes',
        rationale: 'The answer addresses the question.',
        error: null,
        source: { source_type: 'LLM_JUDGE', source_id: 'gpt-4.1-mini' },
        metadata: { 'assay.judge.input_tokens': '412' },
        overrides: null,
        valid: true,
        create_time: new Date('2026-03-02T10:31:00Z'),
        last_update_time: new Date('2026-03-02T10:31:00Z'),
      },
      expect.objectContaining({
        name: 'expected_response',
        kind: 'expectation',
        value: 'Refunds are accepted within 30 days of purchase.',
        source: { source_type: 'HUMAN', source_id: null },
      }),
    ]);
  });

  it('summarizes to what the trace list shows', () => {
    const summary = summarizeTrace(trace.spans, trace.info);
    expect(summary).toMatchObject({
      state: 'OK',
      request_time: Date.parse('2026-03-02T10:15:30.250Z'),
      execution_duration_ms: 842,
      request_preview: 'What is our refund window?',
      response_preview: 'Refunds are accepted within 30 days.',
      input_tokens: 120,
      output_tokens: 24,
      total_tokens: 144,
    });
    expect(summary.cost).toBeCloseTo(0.0000324, 10);
  });
});

describe('parseMlflowPayload: a RAG trace with hex ids, in a batch', () => {
  const [rag, agent] = parseMlflowPayload({ traces: [fixture('mlflow-rag-trace.json'), fixture('mlflow-agent-trace.json')] });
  if (rag === undefined || agent === undefined) throw new Error('missing traces');

  it('accepts 32-hex trace ids, "" as the root parent, string times and OK/UNSET codes', () => {
    expect(rag.trace_id).toBe('tr-9a8b7c6d5e4f30211203f4e5d6c7b8a9');
    expect(rag.spans[0]?.parent_span_id).toBeNull();
    expect(rag.spans[0]?.start_time_ns).toBe(T0);
    expect(rag.spans.map((s) => s.status_code)).toEqual(['OK', 'OK', 'OK', 'UNSET']);
    expect(rag.experiment_hint).toBeNull();
    expect(rag.info?.request_time).toBe(Date.parse('2026-03-02T10:00:00Z'));
  });

  it('keeps both retrievers\' documents as outputs', () => {
    const retrievers = rag.spans.filter((s) => s.span_type === 'RETRIEVER');
    expect(retrievers.map((s) => (s.outputs as unknown[]).length)).toEqual([2, 1]);
    expect(retrievers[0]?.outputs).toContainEqual({
      page_content: 'Refunds are accepted within 30 days of purchase.',
      metadata: { doc_uri: 'https://docs.example.com/refunds', chunk_id: 'refunds-1' },
      id: 'd1',
    });
  });

  it('maps lower-case ai_judge sources to LLM_JUDGE and normalizes assessment span ids', () => {
    expect(rag.assessments[0]).toMatchObject({
      kind: 'feedback',
      value: 0.8,
      span_id: 'aa00000000000003',
      source: { source_type: 'LLM_JUDGE', source_id: 'judge-1' },
      valid: true,
    });
  });

  it('reads tr- trace ids on spans and exception events', () => {
    expect(agent.spans.every((s) => s.trace_id === 'tr-0af7651916cd43dd8448eb211c80319c')).toBe(true);
    const tool = agent.spans.find((s) => s.name === 'check_visa');
    expect(tool?.status_code).toBe('ERROR');
    expect(tool?.status_message).toBe('TimeoutError: visa service timed out');
    expect(tool?.outputs).toBeNull();
    expect(tool?.events).toEqual([
      {
        name: 'exception',
        time_unix_nano: Number(T0 + 1_399_000_000n),
        attributes: {
          'exception.message': 'visa service timed out',
          'exception.type': 'TimeoutError',
          'exception.stacktrace': 'Traceback (most recent call last): ...',
        },
      },
    ]);
  });
});

describe('parseMlflowPayload: accepted variants', () => {
  it('accepts a trace with no spans (info only)', () => {
    const [trace] = parseMlflowPayload({
      info: { trace_id: 'tr-0123456789abcdef0123456789abcdef', request_time: '2026-03-02T10:00:00Z', state: 'ERROR' },
    });
    expect(trace?.spans).toEqual([]);
    expect(summarizeTrace([], trace?.info ?? null).state).toBe('ERROR');
  });

  it('takes the trace id from the spans when info leaves it out', () => {
    const [trace] = parseMlflowPayload({
      data: {
        spans: [
          { trace_id: 'ASNFZ4mrze8BI0VniavN7w==', span_id: '00000000000000ff', name: 'root', start_time_unix_nano: '1' },
        ],
      },
    });
    expect(trace?.trace_id).toBe('tr-0123456789abcdef0123456789abcdef');
    expect(trace?.spans[0]).toMatchObject({ end_time_ns: null, status_code: 'UNSET', span_type: 'UNKNOWN', inputs: null });
  });

  it('returns nothing for an empty batch', () => {
    expect(parseMlflowPayload({ traces: [] })).toEqual([]);
  });
});

describe('ids that look like a hex prefix', () => {
  it('decodes a base64 span id that starts with 0X as base64', async () => {
    const { normalizeSpanId, normalizeTraceId } = await import('../../src/domain/trace-ids.ts');
    expect(normalizeSpanId('0XUuXx/CEA0=')).toBe(Buffer.from('0XUuXx/CEA0=', 'base64').toString('hex'));
    expect(normalizeSpanId('0x0102030405060708')).toBe('0102030405060708');
    expect(normalizeTraceId('0x4f1c2a9be0d34c7a8e6b5d4c3b2a1f00')).toBe('tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00');
  });
});
