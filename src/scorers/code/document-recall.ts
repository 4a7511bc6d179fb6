/** `document_recall`: the share of expected documents (by URI) the retrievers returned. */
import type { JsonValue } from '../../domain/trace.ts';
import { firstMissing, hasRetrieval } from '../judge-fields.ts';
import type { ScorerDefinition } from '../scorer.ts';
import type { ScorerInput } from '../scorer-input.ts';
import { isObject } from '../text-of.ts';
import { codeFeedback } from './code-feedback.ts';

/** URIs named by `expected_retrieved_context`: strings, or objects with `doc_uri`. */
export function expectedUris(value: JsonValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  const uris = value
    .map((item) => (typeof item === 'string' ? item : isObject(item) && typeof item.doc_uri === 'string' ? item.doc_uri : null))
    .filter((uri): uri is string => uri !== null && uri !== '');
  return [...new Set(uris)];
}

function recall(input: ScorerInput): { value: number; found: string[]; missing: string[] } {
  const expected = expectedUris(input.expectations.expected_retrieved_context);
  const retrieved = new Set(input.retrieved.flatMap((g) => g.documents.map((d) => d.doc_uri)).filter((u) => u !== null));
  const found = expected.filter((uri) => retrieved.has(uri));
  return { value: found.length / expected.length, found, missing: expected.filter((uri) => !retrieved.has(uri)) };
}

export const documentRecall: ScorerDefinition = {
  type: 'document_recall',
  kind: 'code',
  aliases: [],
  description: 'Share of the expected documents (expected_retrieved_context doc URIs) that the retrievers returned.',
  required_fields: ['retrieved_context', 'expectations.expected_retrieved_context'],
  create: (entry) => ({
    name: entry.name,
    type: 'document_recall',
    kind: 'code',
    applicability: (input) =>
      firstMissing([
        [expectedUris(input.expectations.expected_retrieved_context).length > 0, 'no expectations: needs expected_retrieved_context with doc_uri values'],
        hasRetrieval(input),
      ]),
    score: async (input) => {
      const { value, found, missing } = recall(input);
      const rationale =
        `${found.length} of ${found.length + missing.length} expected documents were retrieved` +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '.');
      return [codeFeedback(entry.name, 'document_recall', value, rationale)];
    },
  }),
};
