/** Field checks and formatting shared by the predefined judges. */
import type { JsonValue } from '../domain/trace.ts';
import type { PromptSection } from './prompt.ts';
import { APPLIES, notApplicable, type Applicability } from './scorer.ts';
import type { ScorerInput } from './scorer-input.ts';
import { textOf } from './text-of.ts';

/** The first reason the input falls short, or APPLIES. */
export function firstMissing(checks: Array<[ok: boolean, reason: string]>): Applicability {
  const failed = checks.find(([ok]) => !ok);
  return failed ? notApplicable(failed[1]) : APPLIES;
}

export const hasRequest = (input: ScorerInput): [boolean, string] => [
  input.request.trim() !== '',
  'no request: the trace has no root-span inputs',
];

export const hasResponse = (input: ScorerInput): [boolean, string] => [
  input.response.trim() !== '',
  'no response: the trace has no root-span outputs',
];

export const hasRetrieval = (input: ScorerInput): [boolean, string] => [
  input.retrieved.length > 0,
  input.trace ? 'no RETRIEVER span in the trace' : 'the record has no retrieved_context',
];

export const hasDocuments = (input: ScorerInput): [boolean, string] => [
  input.retrieved.some((g) => g.documents.length > 0),
  'the retriever returned no documents',
];

export const hasGroundTruth = (input: ScorerInput): [boolean, string] => [
  groundTruth(input) !== null,
  'no expectations: needs expected_facts or expected_response',
];

/** The ground truth as a prompt section: expected facts (preferred) or the expected response. */
export function groundTruth(input: ScorerInput): PromptSection | null {
  const facts = listOf(input.expectations.expected_facts);
  if (facts.length > 0) return { label: 'EXPECTED FACTS', text: facts.map((f) => `- ${f}`).join('\n') };
  const expected = input.expectations.expected_response;
  if (expected === undefined || expected === null) return null;
  const text = textOf(expected, 'response');
  return text.trim() === '' ? null : { label: 'EXPECTED RESPONSE', text };
}

/** A string or a list of strings as a list; anything else as its JSON text. */
export function listOf(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).filter((v) => v.trim() !== '');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.trim() === '' ? [] : [text];
}

export function numbered(items: string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

export const requestSection = (input: ScorerInput): PromptSection => ({ label: 'REQUEST', text: input.request });
export const responseSection = (input: ScorerInput): PromptSection => ({ label: 'RESPONSE', text: input.response });
