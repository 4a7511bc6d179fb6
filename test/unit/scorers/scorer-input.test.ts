import { describe, expect, it } from 'vitest';
import { scorerInputFromRecord, scorerInputFromTrace } from '../../../src/scorers/scorer-input.ts';
import { textOf } from '../../../src/scorers/text-of.ts';
import { agentTrace, chatTrace, ragTrace } from '../../fixtures/scorer-traces.ts';

describe('scorerInputFromTrace', () => {
  it('takes the last user message and the final assistant answer of a chat', () => {
    const input = scorerInputFromTrace(chatTrace());
    expect(input.request).toBe('What is your refund window for online orders?');
    expect(input.response).toBe('Refunds for online orders are accepted within 30 days of delivery.');
    expect(input.retrieved).toEqual([]);
    expect(input.latency_ms).toBe(842);
    expect(input.tokens).toEqual({ input: 410, output: 95, total: 505 });
    expect(input.cost).toBe(0.00031);
  });

  it('reads only top-level retriever spans, with page_content and doc_uri', () => {
    const input = scorerInputFromTrace(ragTrace());
    expect(input.retrieved.map((g) => g.span_id)).toEqual(['r1', 'r2']);
    expect(input.retrieved[0]?.documents).toEqual([
      { content: 'Shipping to Canada takes 5 to 7 business days.', doc_uri: 'kb://shipping/canada' },
      { content: 'Returns are accepted within 30 days.', doc_uri: 'kb://returns' },
    ]);
    expect(input.request).toBe('How long does shipping to Canada take and what does it cost?');
  });

  it('keeps only valid expectations', () => {
    const input = scorerInputFromTrace(ragTrace());
    expect(input.expectations.expected_facts).toEqual(['Shipping to Canada takes 5 to 7 business days', 'It costs 15 dollars']);
  });

  it('finds the final answer of a tool-using agent, past the tool calls', () => {
    const input = scorerInputFromTrace(agentTrace());
    expect(input.request).toBe('What is the weather in Paris tomorrow?');
    expect(input.response).toBe('Tomorrow in Paris expect light rain and about 14°C.');
    expect(input.tokens).toBeNull();
    expect(input.cost).toBeNull();
  });
});

describe('scorerInputFromRecord', () => {
  it('takes inputs, outputs, expectations and retrieved context of a record', () => {
    const input = scorerInputFromRecord({
      inputs: { question: 'Capital of France?' },
      outputs: 'Paris',
      expectations: { expected_response: 'Paris' },
      retrieved_context: ['France’s capital is Paris.', { content: 'Lyon is a city.', doc_uri: 'wiki://lyon' }],
    });
    expect(input.request).toBe('Capital of France?');
    expect(input.response).toBe('Paris');
    expect(input.retrieved).toEqual([{ span_id: null, documents: [
      { content: 'France’s capital is Paris.', doc_uri: null },
      { content: 'Lyon is a city.', doc_uri: 'wiki://lyon' },
    ] }]);
    expect(input.trace).toBeNull();
  });
});

describe('textOf', () => {
  it('reads common payload shapes', () => {
    expect(textOf({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi there' }] }] }, 'request')).toBe('hi there');
    expect(textOf({ output_text: 'done' }, 'response')).toBe('done');
    expect(textOf([{ role: 'assistant', parts: [{ type: 'text', content: 'gen ai' }] }], 'response')).toBe('gen ai');
    expect(textOf({ answer: '42' }, 'response')).toBe('42');
    expect(textOf({ a: 1, b: 2 }, 'request')).toBe('{"a":1,"b":2}');
    expect(textOf(null, 'request')).toBe('');
  });
});
