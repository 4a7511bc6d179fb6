/**
 * `retrieval_relevance` (alias `chunk_relevance`): is each retrieved chunk relevant to the request?
 * One feedback per chunk, plus `<name>/precision` per retriever span (the share of relevant chunks).
 */
import type { FeedbackDraft } from '../../domain/assessment.ts';
import { firstMissing, hasDocuments, hasRequest, hasRetrieval, requestSection } from '../judge-fields.ts';
import { llmScorer, type JudgeAsk } from '../llm-scorer.ts';
import { buildJudgePrompt, formatDocuments } from '../prompt.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { RetrievedChunk, ScorerInput } from '../scorer-input.ts';

const INSTRUCTION = `You check one document that an AI application's retriever returned for a request.
Answer "yes" when the document holds information that helps answer the request, even partly, and
"no" when it is off-topic or of no use for this request. Judge only this document.`;

export function chunkRelevancePrompt(input: ScorerInput, chunk: RetrievedChunk) {
  return buildJudgePrompt({
    judge: 'retrieval_relevance',
    instruction: INSTRUCTION,
    sections: [requestSection(input), { label: 'DOCUMENT', text: formatDocuments([chunk]) }],
  });
}

function asks(input: ScorerInput): JudgeAsk[] {
  return input.retrieved.flatMap((group, groupIndex) =>
    group.documents.map((chunk, chunkIndex) => ({
      prompt: chunkRelevancePrompt(input, chunk),
      span_id: group.span_id,
      metadata: {
        'assay.retrieval.group': String(groupIndex),
        'assay.retrieval.chunk_index': String(chunkIndex),
        ...(chunk.doc_uri ? { 'assay.retrieval.doc_uri': chunk.doc_uri } : {}),
      },
    })),
  );
}

/** Adds one precision feedback per retriever span, from the chunk verdicts that succeeded. */
function withPrecision(name: string, model: string) {
  return (drafts: FeedbackDraft[], input: ScorerInput): FeedbackDraft[] => {
    const precision = input.retrieved.map((group, groupIndex): FeedbackDraft => {
      const mine = drafts.filter((d) => d.metadata?.['assay.retrieval.group'] === String(groupIndex));
      const judged = mine.filter((d) => d.error === null);
      const relevant = judged.filter((d) => d.value === 'yes').length;
      const base = { name: `${name}/precision`, span_id: group.span_id, source: { source_type: 'LLM_JUDGE' as const, source_id: judged[0]?.source.source_id ?? model } };
      if (judged.length === 0) {
        const reason = mine.length === 0 ? 'the retriever returned no documents' : 'every chunk verdict failed';
        return { ...base, value: null, rationale: null, error: { error_code: mine[0]?.error?.error_code ?? 'NO_DOCUMENTS', error_message: reason } };
      }
      return {
        ...base,
        value: relevant / judged.length,
        rationale: `${relevant} of ${judged.length} retrieved chunks are relevant to the request.`,
        error: null,
        metadata: { 'assay.retrieval.chunks': String(mine.length), 'assay.retrieval.relevant': String(relevant) },
      };
    });
    return [...drafts, ...precision];
  };
}

export const retrievalRelevance: ScorerDefinition = {
  type: 'retrieval_relevance',
  kind: 'llm_judge',
  aliases: ['chunk_relevance'],
  description: 'Whether each retrieved chunk is relevant to the request: one feedback per chunk and a precision per retriever span.',
  required_fields: ['inputs', 'retrieved_context'],
  create: (entry, defaults) => {
    const model = entry.model ?? defaults.model;
    return llmScorer({
      name: entry.name,
      type: 'retrieval_relevance',
      model,
      applicability: (input) => firstMissing([hasRequest(input), hasRetrieval(input), hasDocuments(input)]),
      asks,
      finish: withPrecision(entry.name, model),
    });
  },
};
