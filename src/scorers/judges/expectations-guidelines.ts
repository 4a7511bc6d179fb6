/** `expectations_guidelines`: does the response follow the guidelines stored with this record or trace? */
import { firstMissing, hasResponse, listOf } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';
import { guidelinesPrompt } from './guidelines.ts';

const recordGuidelines = (input: ScorerInput) => listOf(input.expectations.guidelines);

export const expectationsGuidelines: ScorerDefinition = {
  type: 'expectations_guidelines',
  kind: 'llm_judge',
  aliases: [],
  description: 'Whether the response follows the guidelines held in the expectations of each record or trace (`guidelines`).',
  required_fields: ['outputs', 'expectations.guidelines'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'expectations_guidelines',
      model: entry.model ?? defaults.model,
      applicability: (input) =>
        firstMissing([hasResponse(input), [recordGuidelines(input).length > 0, 'no expectations: needs a guidelines expectation']]),
      asks: (input) => [{ prompt: guidelinesPrompt('expectations_guidelines', input, recordGuidelines(input)) }],
    }),
};
