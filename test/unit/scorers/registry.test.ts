import { describe, expect, it } from 'vitest';
import { isAssayError } from '../../../src/domain/errors.ts';
import { buildScorer, listScorers, resolveScorerType, scorerEntrySchema, scorerLevel, validateScorerEntries } from '../../../src/scorers/registry.ts';
import { scorerInputFromRecord } from '../../../src/scorers/scorer-input.ts';

describe('validateScorerEntries', () => {
  it('accepts the design document’s monitor scorers', () => {
    expect(validateScorerEntries([
      { name: 'safety' },
      { name: 'relevance_to_query', sample_rate: 0.4 },
      { name: 'retrieval_groundedness', sample_rate: 0.2 },
      { name: 'customer_service_tone', type: 'guidelines', sample_rate: 0.2, guidelines: ['The response must use "I" statements to take ownership'] },
    ])).toEqual([]);
  });

  it('reports every problem with its path', () => {
    const problems = validateScorerEntries([
      { name: 'safety' },
      { name: 'judge', type: 'custom_judge', instructions: 'Is it polite?' },
      { name: 'x', type: 'foo' },
      { name: 'tone', type: 'guidelines' },
      { name: 'odd', type: 'custom_judge', instructions: 'Check {{ inputs }} against {{ answer }}' },
      { name: 'safety', model: 'other' },
      { type: 'safety' },
      { name: 'recall', type: 'document_recall', guidelines: ['x'] },
      { name: 'rate', type: 'safety', sample_rate: 'half' },
    ]);
    expect(problems).toEqual([
      'scorers[1].instructions: no template variable ({{ inputs }}, {{ outputs }}, {{ expectations }}, {{ trace }})',
      expect.stringMatching(/^scorers\[2\]\.type: unknown scorer type 'foo'; known: safety, relevance_to_query, /),
      'scorers[3].guidelines: required: a list of natural-language rules',
      "scorers[4].instructions: unknown template variable '{{ answer }}'; known: {{ inputs }}, {{ outputs }}, {{ expectations }}, {{ trace }}",
      "scorers[5].name: 'safety' is already used by scorers[0]; names must be unique",
      expect.stringMatching(/^scorers\[6\]\.name: /),
      "scorers[7].guidelines: not a field of a 'document_recall' scorer",
      expect.stringMatching(/^scorers\[8\]\.sample_rate: /),
    ]);
  });

  it('names the field when the entry uses its name as its type', () => {
    expect(validateScorerEntries([{ name: 'tone_check' }])).toEqual([expect.stringMatching(/^scorers\[0\]\.name: unknown scorer type 'tone_check'/)]);
  });

  it('accepts Databricks aliases and resolves them', () => {
    const entries = ['groundedness', 'chunk_relevance', 'context_sufficiency'].map((name) => ({ name }));
    expect(validateScorerEntries([...entries, { name: 'rules', type: 'guideline_adherence', guidelines: 'Be brief' }])).toEqual([]);
    expect(resolveScorerType({ name: 'chunk_relevance' })).toBe('retrieval_relevance');
    expect(resolveScorerType({ name: 'x', type: 'context_sufficiency' })).toBe('retrieval_sufficiency');
    expect(resolveScorerType({ name: 'nope' })).toBeNull();
  });

  it('validates custom judge result types', () => {
    expect(validateScorerEntries([{ name: 'j', type: 'custom_judge', instructions: '{{ outputs }}', result_type: { type: 'number', min: 1, max: 5 } }])).toEqual([]);
    expect(validateScorerEntries([{ name: 'j', type: 'custom_judge', instructions: '{{ outputs }}', result_type: 'scale' }])).toEqual([
      expect.stringMatching(/^scorers\[0\]\.result_type: /),
    ]);
  });

  it('leaves type unset in the parsed entry, so configs read back as written', () => {
    expect(scorerEntrySchema.parse({ name: 'safety', sample_rate: 0.5 })).toEqual({ name: 'safety', sample_rate: 0.5 });
  });
});

describe('buildScorer', () => {
  it('builds by name or entry with the canonical type and the default model', () => {
    const scorer = buildScorer('groundedness', { model: 'gpt-x' });
    expect(scorer).toMatchObject({ name: 'groundedness', type: 'retrieval_groundedness', kind: 'llm_judge' });
    expect(buildScorer({ name: 'recall', type: 'document_recall' }, { model: 'm' })).toMatchObject({ kind: 'code' });
  });

  it('throws INVALID_PARAMETER_VALUE naming every problem', () => {
    try {
      buildScorer({ name: 'tone', type: 'guidelines' }, { model: 'm' });
      expect.unreachable();
    } catch (error) {
      expect(isAssayError(error, 'INVALID_PARAMETER_VALUE')).toBe(true);
      expect((error as Error).message).toBe('scorer[0].guidelines: required: a list of natural-language rules');
    }
  });
});

describe('listScorers', () => {
  it('lists every predefined judge, code scorer and the custom judge with aliases and required fields', () => {
    const catalog = listScorers();
    expect(catalog.map((c) => c.name)).toEqual([
      'safety', 'relevance_to_query', 'retrieval_groundedness', 'retrieval_relevance', 'retrieval_sufficiency', 'correctness',
      'guidelines', 'expectations_guidelines', 'equivalence', 'custom_judge',
      'conversation_completeness', 'user_frustration', 'knowledge_retention', 'custom_session_judge',
      'document_recall', 'latency', 'token_count', 'cost',
    ]);
    expect(catalog.find((c) => c.name === 'retrieval_groundedness')).toMatchObject({ aliases: ['groundedness'], kind: 'llm_judge', required_fields: ['outputs', 'retrieved_context'] });
    expect(catalog.find((c) => c.name === 'guidelines')?.aliases).toEqual(['guideline_adherence']);
    expect(catalog.find((c) => c.name === 'latency')?.kind).toBe('code');
    for (const entry of catalog) expect(entry.description.length).toBeGreaterThan(20);
  });
});

describe('session judges', () => {
  it('are session-level, and a custom one needs {{ conversation }} and nothing else', () => {
    expect(scorerLevel({ name: 'conversation_completeness' })).toBe('session');
    expect(scorerLevel({ name: 'f', type: 'user_frustration' })).toBe('session');
    expect(scorerLevel({ name: 'safety' })).toBe('trace');
    expect(validateScorerEntries([{ name: 'c', type: 'custom_session_judge', instructions: 'Polite in {{ conversation }}?' }])).toEqual([]);
    expect(validateScorerEntries([{ name: 'c', type: 'custom_session_judge', instructions: 'Polite in {{ outputs }}?' }])).toEqual([
      'scorers[0].instructions: must use {{ conversation }}',
    ]);
    expect(validateScorerEntries([{ name: 'c', type: 'custom_session_judge', instructions: '{{ conversation }} {{ trace }}' }])).toEqual([
      "scorers[0].instructions: unknown template variable '{{ trace }}'; a session judge knows {{ conversation }}",
    ]);
  });

  it('do not apply to a single trace or record', () => {
    const scorer = buildScorer({ name: 'knowledge_retention' }, { model: 'm' });
    const input = scorerInputFromRecord({ inputs: { question: 'q' }, outputs: 'a' });
    expect(scorer.applicability(input)).toMatchObject({ applies: false, reason: expect.stringContaining('session judge') });
    expect(scorer.applicability({ ...input, conversation: { session_id: 's', turns: 2, text: 'Turn 1…' } })).toEqual({ applies: true });
  });
});
