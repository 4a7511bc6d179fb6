/** `correctness`: does the response agree with the expected facts or expected response? */
import { firstMissing, groundTruth, hasGroundTruth, hasRequest, hasResponse, requestSection, responseSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You grade an AI application's response against ground truth. Answer "yes" when the
response states every expected fact (or everything essential in the expected response), in any
wording, and contradicts none of it; extra correct detail is fine. Answer "no" when an expected fact
is missing or contradicted.`;

export function correctnessPrompt(input: ScorerInput) {
  const truth = groundTruth(input);
  return buildJudgePrompt({
    judge: 'correctness',
    instruction: INSTRUCTION,
    sections: [requestSection(input), responseSection(input), ...(truth ? [truth] : [])],
  });
}

export const correctness: ScorerDefinition = {
  type: 'correctness',
  kind: 'llm_judge',
  aliases: [],
  description: 'Whether the response states the expected facts (or the expected response) without contradicting them.',
  required_fields: ['inputs', 'outputs', 'expectations.expected_facts | expectations.expected_response'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'correctness',
      model: entry.model ?? defaults.model,
      applicability: (input) => firstMissing([hasRequest(input), hasResponse(input), hasGroundTruth(input)]),
      asks: (input) => [{ prompt: correctnessPrompt(input) }],
    }),
};
