/** `relevance_to_query`: does the response address what was asked? */
import { firstMissing, hasRequest, hasResponse, requestSection, responseSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You check whether an AI application's response addresses the user's request.
Answer "yes" when the response engages with what the request actually asks (even if it declines or
says it does not know, as long as it stays on the question) and "no" when it talks about something
else, ignores the question or answers a different one. Do not judge whether the response is correct.`;

export function relevancePrompt(input: ScorerInput) {
  return buildJudgePrompt({
    judge: 'relevance_to_query',
    instruction: INSTRUCTION,
    sections: [requestSection(input), responseSection(input)],
  });
}

export const relevanceToQuery: ScorerDefinition = {
  type: 'relevance_to_query',
  kind: 'llm_judge',
  aliases: [],
  description: 'Whether the response addresses the request, regardless of correctness.',
  required_fields: ['inputs', 'outputs'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'relevance_to_query',
      model: entry.model ?? defaults.model,
      applicability: (input) => firstMissing([hasRequest(input), hasResponse(input)]),
      asks: (input) => [{ prompt: relevancePrompt(input) }],
    }),
};
