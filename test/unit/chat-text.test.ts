import { describe, expect, it } from 'vitest';
import { computePreview, extractText } from '../../src/domain/trace-summary.ts';

const chatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'First question' },
    { role: 'assistant', content: 'First answer' },
    { role: 'user', content: [{ type: 'text', text: 'Second' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'question' }] },
  ],
};

describe('extractText: requests', () => {
  it.each([
    ['an OpenAI chat request (content parts)', chatRequest, 'Second\nquestion'],
    ['a plain string', 'What is MLflow?', 'What is MLflow?'],
    ['{query}', { query: 'refund window', k: 5 }, 'refund window'],
    ['{question}', { question: 'Who?', context: ['a'] }, 'Who?'],
    ['{input} string', { input: 'hello', config: {} }, 'hello'],
    ['Responses API input list', { model: 'm', input: [{ role: 'user', content: 'hi there' }] }, 'hi there'],
    ['LangChain messages', { messages: [{ type: 'system', content: 's' }, { type: 'human', content: 'lc question' }] }, 'lc question'],
    ['a bare message list', [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }], 'two'],
    ['GenAI input messages (parts)', [{ role: 'user', parts: [{ type: 'text', content: 'genai q' }] }], 'genai q'],
    ['an object with one string field', { user_question: 'only field' }, 'only field'],
  ])('%s', (_what, value, text) => {
    expect(extractText(value, 'request')).toBe(text);
  });

  it('has no text for payloads without one', () => {
    expect(extractText({ a: 1, b: 2 }, 'request')).toBeNull();
    expect(extractText({ messages: [{ role: 'system', content: 'only system' }] }, 'request')).toBeNull();
    expect(extractText(42, 'request')).toBeNull();
  });
});

describe('extractText: responses', () => {
  it.each([
    ['an OpenAI chat completion', { id: 'c', choices: [{ index: 0, message: { role: 'assistant', content: 'The answer.' } }] }, 'The answer.'],
    ['a legacy completion', { choices: [{ text: 'completed' }] }, 'completed'],
    ['a plain string', 'Just text', 'Just text'],
    ['Anthropic content blocks', { role: 'assistant', content: [{ type: 'text', text: 'claude says' }] }, 'claude says'],
    ['Responses API output', { output: [{ type: 'reasoning' }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'resp' }] }] }, 'resp'],
    ['agent state messages', { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'final' }] }, 'final'],
    ['GenAI output messages', [{ role: 'assistant', parts: [{ type: 'text', content: 'genai a' }], finish_reason: 'stop' }], 'genai a'],
    ['{answer}', { answer: 'forty-two', sources: [] }, 'forty-two'],
    ['{output}', { output: 'out', intermediate_steps: [] }, 'out'],
  ])('%s', (_what, value, text) => {
    expect(extractText(value, 'response')).toBe(text);
  });

  it('has no text for a tool-call-only assistant message', () => {
    expect(extractText({ choices: [{ message: { role: 'assistant', content: null, tool_calls: [] } }] }, 'response')).toBeNull();
  });
});

describe('computePreview', () => {
  it('falls back to the JSON text', () => {
    expect(computePreview({ a: 1, b: [true] }, 'request')).toBe('{"a":1,"b":[true]}');
    expect(computePreview(3.5, 'response')).toBe('3.5');
  });

  it('is null for a missing payload', () => {
    expect(computePreview(null, 'request')).toBeNull();
    expect(computePreview(undefined, 'response')).toBeNull();
  });

  it('cuts at 1,000 characters with ... and never splits a surrogate pair', () => {
    expect(computePreview('a'.repeat(1000), 'request')).toBe('a'.repeat(1000));
    expect(computePreview('a'.repeat(1001), 'request')).toBe(`${'a'.repeat(997)}...`);
    const emoji = `${'a'.repeat(996)}😀tail`;
    const cut = computePreview(emoji, 'request');
    expect(cut).toBe(`${'a'.repeat(996)}...`);
  });
});
