import { beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackDraft } from '../../../src/domain/assessment.ts';
import type { StoredTrace } from '../../../src/domain/trace.ts';
import { JudgeClient } from '../../../src/scorers/judge-client.ts';
import { buildScorer, type ScorerEntry } from '../../../src/scorers/registry.ts';
import { scorerInputFromRecord, scorerInputFromTrace, type ScorerInput } from '../../../src/scorers/scorer-input.ts';
import { agentTrace, chatTrace, ragTrace } from '../../fixtures/scorer-traces.ts';
import { useFakeJudge } from '../../support/fake-judge-fixture.ts';

const fake = useFakeJudge();
let judge: JudgeClient;

beforeAll(() => {
  judge = new JudgeClient({ baseUrl: fake().url, apiKey: 'k', model: 'judge-model', concurrency: 8, timeoutMs: 5_000, maxAttempts: 3, maxRetryAfterMs: 100, backoffBaseMs: 5 });
});

async function score(entry: ScorerEntry | string, data: StoredTrace | ScorerInput): Promise<FeedbackDraft[]> {
  const input = 'info' in data ? scorerInputFromTrace(data) : data;
  const scorer = buildScorer(entry, { model: 'judge-model' });
  expect(scorer.applicability(input)).toEqual({ applies: true });
  return scorer.score(input, { judge });
}

const judged = (value: string, rationale = 'fake judge') => ({
  value,
  rationale,
  error: null,
  source: { source_type: 'LLM_JUDGE', source_id: 'fake-judge' },
});

describe('predefined judges on realistic traces', () => {
  it('safety sends only the chat answer and returns judge feedback with its costs', async () => {
    const [feedback, ...rest] = await score('safety', chatTrace());
    expect(rest).toEqual([]);
    expect(fake().calls).toHaveLength(1);
    expect(fake().calls[0]?.sections).toEqual({ RESPONSE: 'Refunds for online orders are accepted within 30 days of delivery.' });
    expect(fake().calls[0]?.model).toBe('judge-model');
    expect(feedback).toMatchObject({ name: 'safety', span_id: null, ...judged('yes') });
    expect(Object.keys(feedback?.metadata ?? {}).sort()).toEqual([
      'assay.judge.input_tokens', 'assay.judge.latency_ms', 'assay.judge.model', 'assay.judge.output_tokens',
    ]);
    expect(Number(feedback?.metadata?.['assay.judge.input_tokens'])).toBeGreaterThan(0);
  });

  it('relevance_to_query on an agent trace reads the question and the final answer, not tool calls', async () => {
    fake().setAnswer('relevance_to_query', { rationale: 'on topic', result: 'Yes' });
    const [feedback] = await score({ name: 'relevance', type: 'relevance_to_query', model: 'other-model' }, agentTrace());
    expect(fake().calls[0]?.sections).toEqual({
      REQUEST: 'What is the weather in Paris tomorrow?',
      RESPONSE: 'Tomorrow in Paris expect light rain and about 14°C.',
    });
    expect(fake().calls[0]?.model).toBe('other-model');
    expect(feedback).toMatchObject({ name: 'relevance', ...judged('yes', 'on topic') });
  });

  it('retrieval_groundedness judges each top-level retriever span on its own documents', async () => {
    fake().setAnswer('retrieval_groundedness', (call) =>
      call.sections['RETRIEVED CONTEXT']?.includes('15 dollars') ? { rationale: 'price found', result: 'yes' } : { rationale: 'price missing', result: 'no' });
    const feedback = await score('groundedness', ragTrace());
    expect(fake().calls).toHaveLength(2);
    expect(fake().calls.every((c) => !c.user.includes('inner chunk'))).toBe(true);
    expect(feedback).toEqual([
      expect.objectContaining({ name: 'groundedness', span_id: 'r1', value: 'no', rationale: 'price missing' }),
      expect.objectContaining({ name: 'groundedness', span_id: 'r2', value: 'yes', rationale: 'price found' }),
    ]);
  });

  it('retrieval_relevance returns one feedback per chunk and a precision per retriever span', async () => {
    fake().setAnswer('retrieval_relevance', (call) => ({ rationale: 'checked', result: call.sections.DOCUMENT?.includes('Canada') ? 'yes' : 'no' }));
    const feedback = await score('chunk_relevance', ragTrace());
    expect(fake().calls).toHaveLength(3);
    for (const call of fake().calls) expect(call.sections.REQUEST).toBe('How long does shipping to Canada take and what does it cost?');
    const chunks = feedback.filter((f) => f.name === 'chunk_relevance');
    expect(chunks.map((f) => [f.span_id, f.metadata?.['assay.retrieval.doc_uri'], f.value])).toEqual([
      ['r1', 'kb://shipping/canada', 'yes'],
      ['r1', 'kb://returns', 'no'],
      ['r2', 'kb://shipping/prices', 'yes'],
    ]);
    const precision = feedback.filter((f) => f.name === 'chunk_relevance/precision');
    expect(precision.map((f) => [f.span_id, f.value])).toEqual([['r1', 0.5], ['r2', 1]]);
  });

  it('retrieval_sufficiency sends the request, each span’s context and the valid expected facts', async () => {
    const feedback = await score('context_sufficiency', ragTrace());
    expect(fake().calls).toHaveLength(2);
    for (const call of fake().calls) {
      expect(call.sections['EXPECTED FACTS']).toBe('- Shipping to Canada takes 5 to 7 business days\n- It costs 15 dollars');
      expect(call.user).not.toContain('stale fact');
    }
    expect(feedback.map((f) => [f.span_id, f.value])).toEqual([['r1', 'yes'], ['r2', 'yes']]);
  });

  it('correctness uses expected facts on the RAG trace and the expected response on the chat', async () => {
    fake().setAnswer('correctness', { rationale: 'missing the price', result: 'no' });
    const [rag] = await score('correctness', ragTrace());
    expect(rag).toMatchObject(judged('no', 'missing the price'));
    expect(fake().calls[0]?.sections.RESPONSE).toBe('Shipping to Canada takes 5 to 7 business days and costs 15 dollars.');
    await score('correctness', chatTrace());
    expect(fake().calls[1]?.sections['EXPECTED RESPONSE']).toBe('Online orders can be refunded within 30 days of delivery.');
  });

  it('guidelines sends the entry’s rules; expectations_guidelines the trace’s own', async () => {
    fake().setAnswer('guidelines', { rationale: 'rule 1 broken', result: 'no' });
    const [fromEntry] = await score({ name: 'tone', type: 'guideline_adherence', guidelines: ['Use "I" statements', 'Be brief'] }, chatTrace());
    expect(fake().calls[0]?.sections.GUIDELINES).toBe('1. Use "I" statements\n2. Be brief');
    expect(fromEntry).toMatchObject({ name: 'tone', ...judged('no', 'rule 1 broken') });
    const [fromTrace] = await score('expectations_guidelines', chatTrace());
    expect(fake().calls[1]?.marker).toBe('expectations_guidelines');
    expect(fake().calls[1]?.sections.GUIDELINES).toBe('1. The response must not mention "store credit"');
    expect(fromTrace?.value).toBe('yes');
  });

  it('equivalence asks the judge unless the response matches exactly', async () => {
    await score('equivalence', chatTrace());
    expect(fake().calls[0]?.sections['EXPECTED RESPONSE']).toBe('Online orders can be refunded within 30 days of delivery.');
    const exact = scorerInputFromRecord({ inputs: 'q', outputs: '  Paris ', expectations: { expected_response: 'paris' } });
    const [feedback] = await score('equivalence', exact);
    expect(fake().calls).toHaveLength(1);
    expect(feedback).toMatchObject({ value: 'yes', source: { source_type: 'CODE' } });
  });

  it('a custom judge sends only the sections its instructions name and returns its declared type', async () => {
    fake().setAnswer('custom_judge', { rationale: 'clear', result: 4 });
    const entry: ScorerEntry = { name: 'clarity', type: 'custom_judge', instructions: 'Rate how clearly {{ outputs }} answers {{ inputs }}.', result_type: { type: 'number', min: 1, max: 5 } };
    const [feedback] = await score(entry, agentTrace());
    expect(Object.keys(fake().calls[0]?.sections ?? {})).toEqual(['OUTPUTS', 'INPUTS']);
    expect(feedback).toMatchObject({ name: 'clarity', value: 4, rationale: 'clear' });
  });
});

describe('judge failures become feedback', () => {
  it('an always-malformed judge gives a JUDGE_OUTPUT_INVALID feedback, not an exception', async () => {
    fake().setBehaviour({ type: 'malformed' });
    const [feedback] = await score('safety', chatTrace());
    expect(feedback).toMatchObject({
      name: 'safety',
      value: null,
      rationale: null,
      error: { error_code: 'JUDGE_OUTPUT_INVALID' },
      source: { source_type: 'LLM_JUDGE', source_id: 'judge-model' },
    });
    expect(fake().calls).toHaveLength(2);
  });

  it('an answer outside the custom judge’s range is invalid output', async () => {
    fake().setAnswer('custom_judge', { rationale: 'x', result: 9 });
    const [feedback] = await score({ name: 'c', type: 'custom_judge', instructions: '{{ outputs }}', result_type: { type: 'number', min: 1, max: 5 } }, chatTrace());
    expect(feedback?.error?.error_code).toBe('JUDGE_OUTPUT_INVALID');
  });

  it('a 401 gives JUDGE_UNRECOVERABLE feedback for every chunk and an errored precision', async () => {
    fake().setBehaviour({ type: 'unauthorized' });
    const feedback = await score('retrieval_relevance', ragTrace());
    expect(feedback.map((f) => f.error?.error_code)).toEqual(Array(5).fill('JUDGE_UNRECOVERABLE'));
    expect(fake().calls).toHaveLength(3);
  });

  it('only an aborted signal makes score reject', async () => {
    fake().setBehaviour({ type: 'hang' });
    const controller = new AbortController();
    const scorer = buildScorer('safety', { model: 'judge-model' });
    const pending = scorer.score(scorerInputFromTrace(chatTrace()), { judge, signal: controller.signal });
    await fake().waitForCalls(1);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
