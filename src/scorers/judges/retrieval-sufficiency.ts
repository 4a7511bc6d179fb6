/** `retrieval_sufficiency` (alias `context_sufficiency`): does the context hold what the right answer needs? */
import { firstMissing, groundTruth, hasGroundTruth, hasRequest, hasRetrieval, requestSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt, formatDocuments } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { RetrievedGroup, ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You check whether the documents an AI application retrieved contain enough
information to answer the request correctly. The expected facts or expected response say what a
correct answer contains. Answer "yes" when every expected fact (or everything the expected response
states) can be found in or directly inferred from the retrieved context, and "no" when something is
missing. Do not judge any answer the application gave.`;

export function sufficiencyPrompt(input: ScorerInput, group: RetrievedGroup) {
  const truth = groundTruth(input);
  return buildJudgePrompt({
    judge: 'retrieval_sufficiency',
    instruction: INSTRUCTION,
    sections: [
      requestSection(input),
      { label: 'RETRIEVED CONTEXT', text: formatDocuments(group.documents) },
      ...(truth ? [truth] : []),
    ],
  });
}

export const retrievalSufficiency: ScorerDefinition = {
  type: 'retrieval_sufficiency',
  kind: 'llm_judge',
  aliases: ['context_sufficiency'],
  description: 'Whether the retrieved context contains everything the expected answer needs; one feedback per top-level retriever span.',
  required_fields: ['inputs', 'retrieved_context', 'expectations.expected_facts | expectations.expected_response'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'retrieval_sufficiency',
      model: entry.model ?? defaults.model,
      applicability: (input) => firstMissing([hasRequest(input), hasRetrieval(input), hasGroundTruth(input)]),
      asks: (input) => input.retrieved.map((group) => ({ prompt: sufficiencyPrompt(input, group), span_id: group.span_id })),
    }),
};
