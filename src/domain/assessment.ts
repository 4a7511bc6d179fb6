/** Assessments: feedback (a verdict) or expectation (ground truth) attached to a trace. */
import type { JsonValue } from './json.ts';

export type AssessmentKind = 'feedback' | 'expectation';
export type SourceType = 'HUMAN' | 'LLM_JUDGE' | 'CODE';

export interface AssessmentSource {
  source_type: SourceType;
  source_id: string | null;
}

export interface AssessmentError {
  error_code: string;
  error_message: string;
}

export interface Assessment {
  assessment_id: string;
  trace_id: string;
  span_id: string | null;
  name: string;
  kind: AssessmentKind;
  value: JsonValue | null;
  rationale: string | null;
  /** Feedback only. */
  error: AssessmentError | null;
  source: AssessmentSource;
  metadata: Record<string, string>;
  /** The assessment this one overrides. */
  overrides: string | null;
  valid: boolean;
  create_time: Date;
  last_update_time: Date;
}

/** A verdict before it is attached to a trace (what a scorer produces). */
export interface FeedbackDraft {
  name: string;
  value: JsonValue | null;
  rationale: string | null;
  error: AssessmentError | null;
  source: AssessmentSource;
  span_id?: string | null;
  metadata?: Record<string, string>;
}

/** MLflow's JSON form of an assessment. */
export function assessmentToJson(a: Assessment): Record<string, unknown> {
  const body =
    a.kind === 'feedback' ? { feedback: { value: a.value, error: a.error } } : { expectation: { value: a.value } };
  return {
    assessment_id: a.assessment_id,
    assessment_name: a.name,
    trace_id: a.trace_id,
    span_id: a.span_id,
    source: a.source,
    create_time: a.create_time.toISOString(),
    last_update_time: a.last_update_time.toISOString(),
    ...body,
    rationale: a.rationale,
    metadata: a.metadata,
    overrides: a.overrides,
    valid: a.valid,
  };
}
