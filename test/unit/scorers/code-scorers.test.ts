import { describe, expect, it } from 'vitest';
import type { JudgeClient } from '../../../src/scorers/judge-client.ts';
import { buildScorer } from '../../../src/scorers/registry.ts';
import { scorerInputFromRecord, scorerInputFromTrace } from '../../../src/scorers/scorer-input.ts';
import { agentTrace, chatTrace, ragTrace } from '../../fixtures/scorer-traces.ts';

// Code scorers never call the judge; a client that cannot be reached proves it.
const ctx = { judge: {} as JudgeClient };
const build = (name: string) => buildScorer(name, { model: 'unused' });

describe('code scorers', () => {
  it('document_recall: share of expected doc URIs retrieved by any top-level retriever', async () => {
    const [feedback] = await build('document_recall').score(scorerInputFromTrace(ragTrace()), ctx);
    expect(feedback).toMatchObject({
      name: 'document_recall',
      value: 0.5,
      error: null,
      source: { source_type: 'CODE', source_id: 'assay/document_recall' },
      rationale: '1 of 2 expected documents were retrieved; missing: kb://shipping/fees',
    });
  });

  it('document_recall on a record with retrieved_context', async () => {
    const input = scorerInputFromRecord({
      inputs: 'q',
      retrieved_context: [{ content: 'a', doc_uri: 'd1' }, { content: 'b', doc_uri: 'd2' }],
      expectations: { expected_retrieved_context: ['d1', 'd2'] },
    });
    const [feedback] = await build('document_recall').score(input, ctx);
    expect(feedback?.value).toBe(1);
  });

  it('latency, token_count and cost report the trace’s own figures', async () => {
    const input = scorerInputFromTrace(chatTrace());
    expect((await build('latency').score(input, ctx))[0]).toMatchObject({ name: 'latency', value: 842, source: { source_type: 'CODE' } });
    expect((await build('token_count').score(input, ctx))[0]).toMatchObject({
      value: 505,
      metadata: { 'assay.tokens.input': '410', 'assay.tokens.output': '95' },
    });
    expect((await build('cost').score(input, ctx))[0]).toMatchObject({ value: 0.00031 });
  });

  it('say why they do not apply', () => {
    const agent = scorerInputFromTrace(agentTrace());
    expect(build('token_count').applicability(agent)).toEqual({ applies: false, reason: 'the trace records no token usage' });
    expect(build('latency').applicability(scorerInputFromRecord({ inputs: 'q' }))).toEqual({ applies: false, reason: 'the trace has no execution duration' });
  });
});
