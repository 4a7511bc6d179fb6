import { describe, expect, it } from 'vitest';
import { customJudgePrompt, instructionProblems, templateVariables } from '../../../src/scorers/custom-judge.ts';
import { markerOf, parseSections } from '../../../src/scorers/prompt.ts';
import { scorerInputFromRecord, scorerInputFromTrace } from '../../../src/scorers/scorer-input.ts';
import { buildScorer } from '../../../src/scorers/registry.ts';
import { agentTrace } from '../../fixtures/scorer-traces.ts';

describe('custom judge templates', () => {
  it('finds variables with or without spaces', () => {
    expect(templateVariables('Does {{outputs}} answer {{ inputs }}? Compare {{ outputs }}.')).toEqual(['outputs', 'inputs']);
  });

  it('names what is wrong', () => {
    expect(instructionProblems('No variables here')).toEqual(['no template variable ({{ inputs }}, {{ outputs }}, {{ expectations }}, {{ trace }})']);
    expect(instructionProblems('{{ input }} and {{ outputs }}')).toEqual([expect.stringContaining("unknown template variable '{{ input }}'")]);
    expect(instructionProblems(undefined)).toEqual(['required for a custom_judge']);
    expect(instructionProblems('{{ trace }}')).toEqual([]);
  });

  it('refers to sections instead of pasting data into the instructions', () => {
    const input = scorerInputFromRecord({ inputs: { q: 'Is 7 prime?' }, outputs: 'Yes, 7 is prime.', expectations: { expected_response: 'yes' } });
    const prompt = customJudgePrompt('Is {{ outputs }} a correct answer to {{ inputs }}?', { type: 'number', min: 1, max: 5 }, input);
    expect(markerOf(prompt.system)).toBe('custom_judge');
    expect(prompt.system).toContain('Is the OUTPUTS section a correct answer to the INPUTS section?');
    expect(prompt.system).toContain('"result": a number from 1 to 5');
    expect(prompt.system).not.toContain('7 is prime');
    expect(parseSections(prompt.user)).toEqual({ OUTPUTS: 'Yes, 7 is prime.', INPUTS: '{\n  "q": "Is 7 prime?"\n}' });
  });

  it('includes the spans for {{ trace }} and does not apply to records', () => {
    const trace = scorerInputFromTrace(agentTrace());
    const prompt = customJudgePrompt('Did the agent in {{ trace }} use a tool?', 'yes_no', trace);
    expect(parseSections(prompt.user).TRACE).toContain('get_weather');
    const scorer = buildScorer({ name: 'tool_use', type: 'custom_judge', instructions: 'Did the agent in {{ trace }} use a tool?' }, { model: 'm' });
    expect(scorer.applicability(trace)).toEqual({ applies: true });
    expect(scorer.applicability(scorerInputFromRecord({ inputs: 'q', outputs: 'a' }))).toMatchObject({ applies: false });
  });
});
