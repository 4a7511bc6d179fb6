/** `guidelines` (alias `guideline_adherence`): does the response follow the monitor's written rules? */
import { firstMissing, hasResponse, listOf, numbered, requestSection, responseSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You check whether an AI application's response follows a set of guidelines. Read
each guideline and decide whether the response complies with it, given the request. Answer "yes"
only when the response complies with every guideline, and "no" when it breaks at least one; name the
guideline it breaks in your rationale. A guideline that does not concern this exchange is met.`;

/** The guidelines prompt, used by `guidelines` and `expectations_guidelines` (marker differs). */
export function guidelinesPrompt(judge: 'guidelines' | 'expectations_guidelines', input: ScorerInput, guidelines: string[]) {
  return buildJudgePrompt({
    judge,
    instruction: INSTRUCTION,
    sections: [{ label: 'GUIDELINES', text: numbered(guidelines) }, requestSection(input), responseSection(input)],
  });
}

export const guidelines: ScorerDefinition = {
  type: 'guidelines',
  kind: 'llm_judge',
  aliases: ['guideline_adherence'],
  description: 'Whether the response follows every guideline given in the scorer entry (`guidelines`: a list of rules).',
  required_fields: ['outputs'],
  validate: (entry) => (listOf(entry.guidelines).length === 0 ? [['guidelines', 'required: a list of natural-language rules']] : []),
  create: (entry, defaults) => {
    const rules = listOf(entry.guidelines);
    return llmScorer({
      name: entry.name,
      type: 'guidelines',
      model: entry.model ?? defaults.model,
      applicability: (input) => firstMissing([hasResponse(input)]),
      asks: (input) => [{ prompt: guidelinesPrompt('guidelines', input, rules) }],
    });
  },
};
