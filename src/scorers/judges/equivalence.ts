/** `equivalence`: does the response say the same as the expected response? Exact matches skip the judge. */
import type { FeedbackDraft } from '../../domain/assessment.ts';
import { firstMissing, hasResponse, requestSection, responseSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';
import { textOf } from '../text-of.ts';

const INSTRUCTION = `You compare an AI application's response with the expected response. Answer "yes"
when both convey the same meaning and the same facts (wording, order and formatting may differ) and
"no" when they differ in substance: a different value, a missing or extra claim, a different conclusion.`;

const expected = (input: ScorerInput) => {
  const value = input.expectations.expected_response;
  return value === undefined || value === null ? '' : textOf(value, 'response');
};

/** Case, surrounding space and runs of whitespace do not make two answers different. */
const normalise = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

export function equivalencePrompt(input: ScorerInput) {
  return buildJudgePrompt({
    judge: 'equivalence',
    instruction: INSTRUCTION,
    sections: [requestSection(input), responseSection(input), { label: 'EXPECTED RESPONSE', text: expected(input) }],
  });
}

export const equivalence: ScorerDefinition = {
  type: 'equivalence',
  kind: 'llm_judge',
  aliases: [],
  description: 'Whether the response is semantically equivalent to the expected response (exact matches need no judge call).',
  required_fields: ['outputs', 'expectations.expected_response'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'equivalence',
      model: entry.model ?? defaults.model,
      applicability: (input) =>
        firstMissing([hasResponse(input), [expected(input).trim() !== '', 'no expectations: needs expected_response']]),
      shortcut: (input): FeedbackDraft[] | null =>
        normalise(input.response) === normalise(expected(input))
          ? [{
              name: entry.name,
              value: 'yes',
              rationale: 'The response matches the expected response exactly (ignoring case and spacing); no judge call was needed.',
              error: null,
              source: { source_type: 'CODE', source_id: 'equivalence/exact_match' },
              span_id: null,
            }]
          : null,
      asks: (input) => [{ prompt: equivalencePrompt(input) }],
    }),
};
