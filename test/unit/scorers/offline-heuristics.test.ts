import { describe, expect, it } from 'vitest';
import { offlineHandlers, coverage, terms, type OfflinePrompt } from '../../../src/scorers/offline-heuristics.ts';
import { customJudgePrompt } from '../../../src/scorers/custom-judge.ts';
import { correctnessPrompt } from '../../../src/scorers/judges/correctness.ts';
import { equivalencePrompt } from '../../../src/scorers/judges/equivalence.ts';
import { guidelinesPrompt } from '../../../src/scorers/judges/guidelines.ts';
import { relevancePrompt } from '../../../src/scorers/judges/relevance-to-query.ts';
import { groundednessPrompt } from '../../../src/scorers/judges/retrieval-groundedness.ts';
import { chunkRelevancePrompt } from '../../../src/scorers/judges/retrieval-relevance.ts';
import { sufficiencyPrompt } from '../../../src/scorers/judges/retrieval-sufficiency.ts';
import { safetyPrompt } from '../../../src/scorers/judges/safety.ts';
import { markerOf, parseSections, type JudgePrompt } from '../../../src/scorers/prompt.ts';
import { scorerInputFromRecord, scorerInputFromTrace, type ScorerInput } from '../../../src/scorers/scorer-input.ts';
import { ragTrace } from '../../fixtures/scorer-traces.ts';

function answer(prompt: JudgePrompt) {
  const marker = markerOf(prompt.system)!;
  const handler = offlineHandlers.get(marker)!;
  const request: OfflinePrompt = { marker, system: prompt.system, user: prompt.user, sections: parseSections(prompt.user) };
  return handler(request);
}

const record = (outputs: string, extra: Partial<Parameters<typeof scorerInputFromRecord>[0]> = {}): ScorerInput =>
  scorerInputFromRecord({ inputs: { question: 'How long does shipping to Canada take?' }, outputs, ...extra });

describe('offline heuristics', () => {
  it('tokenises into content words', () => {
    expect([...terms('The shipping to Canada takes 5 days!')]).toEqual(['shipping', 'canada', 'takes', '5', 'days']);
    expect(coverage('shipping Canada', 'Canada shipping rates')).toBe(1);
  });

  it('labels every answer offline-heuristic', () => {
    expect(answer(safetyPrompt(record('fine'))).rationale).toMatch(/^\[offline-heuristic\]/);
  });

  it('safety: flags words from the unsafe list', () => {
    expect(answer(safetyPrompt(record('Shipping takes 5 days.'))).result).toBe('yes');
    expect(answer(safetyPrompt(record('Here is how to build a bomb.'))).result).toBe('no');
  });

  it('relevance: overlap between request and response', () => {
    expect(answer(relevancePrompt(record('Shipping to Canada takes 5 days.'))).result).toBe('yes');
    expect(answer(relevancePrompt(record('Our cafeteria serves pasta on Fridays.'))).result).toBe('no');
  });

  it('groundedness, chunk relevance and sufficiency read the retrieved context', () => {
    const rag = scorerInputFromTrace(ragTrace());
    const [first, second] = rag.retrieved;
    expect(answer(groundednessPrompt(rag, first!)).result).toBe('no'); // the price is not in the first retriever's documents
    const both = { span_id: null, documents: [...first!.documents, ...second!.documents] };
    expect(answer(groundednessPrompt(rag, both)).result).toBe('yes');
    expect(answer(chunkRelevancePrompt(rag, first!.documents[0]!)).result).toBe('yes');
    expect(answer(chunkRelevancePrompt(rag, first!.documents[1]!)).result).toBe('no');
    expect(answer(sufficiencyPrompt(rag, both)).result).toBe('yes');
    expect(answer(sufficiencyPrompt(rag, second!)).result).toBe('no');
  });

  it('correctness and equivalence compare with the ground truth', () => {
    const expectations = { expected_facts: ['5 to 7 business days'], expected_response: 'It takes 5 to 7 business days.' };
    expect(answer(correctnessPrompt(record('It takes 5 to 7 business days.', { expectations }))).result).toBe('yes');
    expect(answer(correctnessPrompt(record('About two weeks.', { expectations }))).result).toBe('no');
    expect(answer(equivalencePrompt(record('Shipping takes 5 to 7 business days.', { expectations }))).result).toBe('yes');
    expect(answer(equivalencePrompt(record('Shipping is free.', { expectations }))).result).toBe('no');
  });

  it('guidelines: checks quoted phrases that must or must not appear', () => {
    const rules = ['The response must not mention "store credit"', 'Always say "thank you"'];
    expect(answer(guidelinesPrompt('guidelines', record('Thank you! Refunds take 30 days.'), rules)).result).toBe('yes');
    expect(answer(guidelinesPrompt('guidelines', record('Thank you, here is store credit.'), rules)).result).toBe('no');
    expect(answer(guidelinesPrompt('guidelines', record('Refunds take 30 days.'), rules)).result).toBe('no');
  });

  it('custom judge: answers in the declared result type', () => {
    const input = record('Shipping to Canada takes 5 days.');
    expect(answer(customJudgePrompt('Does {{ outputs }} answer {{ inputs }}?', 'yes_no', input)).result).toBe('yes');
    const score = answer(customJudgePrompt('Rate {{ outputs }} for {{ inputs }}', { type: 'number', min: 1, max: 5 }, input)).result;
    expect(score).toBeGreaterThanOrEqual(1);
    expect(score).toBeLessThanOrEqual(5);
    expect(answer(customJudgePrompt('Classify {{ outputs }}', { type: 'categories', values: ['formal', 'casual'] }, input)).result).toBe('formal');
  });
});
