/** A feedback produced by code, with source `CODE`. */
import type { FeedbackDraft } from '../../domain/assessment.ts';
import type { JsonValue } from '../../domain/trace.ts';

export function codeFeedback(
  name: string,
  type: string,
  value: JsonValue,
  rationale: string,
  metadata?: Record<string, string>,
): FeedbackDraft {
  return {
    name,
    value,
    rationale,
    error: null,
    source: { source_type: 'CODE', source_id: `assay/${type}` },
    span_id: null,
    ...(metadata ? { metadata } : {}),
  };
}
