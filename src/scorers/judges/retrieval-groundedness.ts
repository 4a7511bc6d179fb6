/** `retrieval_groundedness` (alias `groundedness`): is the response supported by what was retrieved? */
import { firstMissing, hasResponse, hasRetrieval, requestSection, responseSection } from '../judge-fields.ts';
import { llmScorer } from '../llm-scorer.ts';
import { buildJudgePrompt, formatDocuments } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { RetrievedGroup, ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You check whether an AI application's response is grounded in the documents its
retriever returned. Answer "yes" when every factual claim in the response is supported by the
retrieved context (greetings, hedges and restating the question need no support) and "no" when the
response states anything the context does not support or contradicts. Use only the context, not your
own knowledge.`;

export function groundednessPrompt(input: ScorerInput, group: RetrievedGroup) {
  return buildJudgePrompt({
    judge: 'retrieval_groundedness',
    instruction: INSTRUCTION,
    sections: [
      requestSection(input),
      { label: 'RETRIEVED CONTEXT', text: formatDocuments(group.documents) },
      responseSection(input),
    ],
  });
}

export const retrievalGroundedness: ScorerDefinition = {
  type: 'retrieval_groundedness',
  kind: 'llm_judge',
  aliases: ['groundedness'],
  description: 'Whether the response is supported by the retrieved context; one feedback per top-level retriever span.',
  required_fields: ['outputs', 'retrieved_context'],
  create: (entry, defaults) =>
    llmScorer({
      name: entry.name,
      type: 'retrieval_groundedness',
      model: entry.model ?? defaults.model,
      applicability: (input) => firstMissing([hasResponse(input), hasRetrieval(input)]),
      asks: (input) => input.retrieved.map((group) => ({ prompt: groundednessPrompt(input, group), span_id: group.span_id })),
    }),
};
