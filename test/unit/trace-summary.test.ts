import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { summarizeTrace } from '../../src/domain/trace-summary.ts';
import type { JsonObject, Span } from '../../src/domain/trace.ts';

const [agent] = parseMlflowPayload(
  JSON.parse(readFileSync(new URL('../fixtures/mlflow-agent-trace.json', import.meta.url), 'utf8')),
);
if (agent === undefined) throw new Error('no fixture');

const MS = 1_000_000n;

function span(id: string, parent: string | null, over: Partial<Span> = {}, attributes: JsonObject = {}): Span {
  return {
    trace_id: 'tr-0123456789abcdef0123456789abcdef',
    span_id: id,
    parent_span_id: parent,
    name: id,
    span_type: 'UNKNOWN',
    status_code: 'OK',
    status_message: '',
    start_time_ns: 1_000n * MS,
    end_time_ns: 1_500n * MS,
    inputs: null,
    outputs: null,
    attributes,
    events: [],
    ...over,
  };
}

const usage = (input: number, output: number) => ({
  'mlflow.chat.tokenUsage': { input_tokens: input, output_tokens: output, total_tokens: input + output },
});

describe('summarizeTrace', () => {
  it('counts token usage once: a span below one that carries usage is skipped', () => {
    const summary = summarizeTrace(agent.spans, agent.info);
    // agent_loop (300/60) already includes plan and answer; summarize_memory (50/10) is beside it.
    expect(summary).toMatchObject({ input_tokens: 350, output_tokens: 70, total_tokens: 420 });
    expect(summary.cost).toBeCloseTo(0.0035, 10);
  });

  it('derives state, times, request/response and previews from the root span', () => {
    const summary = summarizeTrace(agent.spans, agent.info);
    expect(summary.state).toBe('OK');
    expect(summary.request_time).toBe(Date.parse('2026-03-02T12:00:00Z'));
    expect(summary.execution_duration_ms).toBe(4200);
    expect(summary.request).toEqual(agent.spans[0]?.inputs);
    expect(summary.request_preview).toBe("What's the weather in Paris, and do I need a visa?");
    expect(summary.response_preview).toBe('It is 18°C and sunny in Paris. EU citizens need no visa.');
  });

  it('skips only descendants: usage on siblings and cousins adds up', () => {
    const spans = [
      span('r', null),
      span('a', 'r', {}, usage(10, 1)),
      span('a1', 'a', {}, usage(4, 1)),
      span('b', 'r'),
      span('b1', 'b', {}, usage(5, 2)),
      span('b2', 'b', {}, usage(6, 3)),
    ];
    expect(summarizeTrace(spans, null)).toMatchObject({ input_tokens: 21, output_tokens: 6, total_tokens: 27, cost: null });
  });

  it('reports no tokens when no span carries usage, falling back to mlflow.trace.tokenUsage', () => {
    expect(summarizeTrace([span('r', null)], null)).toMatchObject({ input_tokens: null, total_tokens: null });
    const info = { trace_metadata: { 'mlflow.trace.tokenUsage': '{"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}' } };
    expect(summarizeTrace([span('r', null)], info)).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
  });

  it('is IN_PROGRESS until the root has arrived and ended', () => {
    expect(summarizeTrace([span('c', 'r')], null).state).toBe('IN_PROGRESS');
    expect(summarizeTrace([span('r', null, { end_time_ns: null })], null).state).toBe('IN_PROGRESS');
    expect(summarizeTrace([span('r', null, { status_code: 'ERROR' })], null).state).toBe('ERROR');
    expect(summarizeTrace([span('r', null, { status_code: 'UNSET' })], null).state).toBe('OK');
    expect(summarizeTrace([], null, 5).state).toBe('IN_PROGRESS');
  });

  it('takes info.state only when there are no spans', () => {
    expect(summarizeTrace([], { state: 'ERROR', request_time: 1 }).state).toBe('ERROR');
    expect(summarizeTrace([span('r', null)], { state: 'IN_PROGRESS' }).state).toBe('OK');
  });

  it('finds the request time in info, then the root, then the earliest span, then now', () => {
    const child = span('c', 'r', { start_time_ns: 900n * MS });
    expect(summarizeTrace([span('r', null), child], { request_time: 42 }).request_time).toBe(42);
    expect(summarizeTrace([span('r', null), child], null).request_time).toBe(1000);
    expect(summarizeTrace([child, span('d', 'r')], null).request_time).toBe(900);
    expect(summarizeTrace([], null, 1234).request_time).toBe(1234);
  });

  it('measures the duration from the root unless info states one', () => {
    expect(summarizeTrace([span('r', null)], null).execution_duration_ms).toBe(500);
    expect(summarizeTrace([span('r', null)], { execution_duration_ms: 7 }).execution_duration_ms).toBe(7);
    expect(summarizeTrace([span('r', null, { end_time_ns: null })], null).execution_duration_ms).toBeNull();
  });

  it('keeps stated previews and cuts computed ones at 1,000 characters', () => {
    const root = span('r', null, { inputs: { query: 'x'.repeat(1500) }, outputs: 'short answer' });
    const summary = summarizeTrace([root], { request_preview: 'given' });
    expect(summary.request_preview).toBe('given');
    expect(summary.response_preview).toBe('short answer');
    const computed = summarizeTrace([root], null).request_preview;
    expect(computed).toHaveLength(1000);
    expect(computed?.endsWith('x...')).toBe(true);
  });
});
