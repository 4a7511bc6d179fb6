/**
 * MLflow's assessment JSON (feedback or expectation) → IncomingAssessment. Used for `info.assessments`
 * of an imported trace and reusable for the assessment API, which takes the same body.
 */
import { z } from 'zod';
import type { SourceType } from './assessment.ts';
import { fieldError, joinPath, parseOrThrow } from './payload-errors.ts';
import { normalizeSpanId, normalizeTraceId } from './trace-ids.ts';
import type { IncomingAssessment, JsonValue } from './trace.ts';

const SOURCE_TYPES: Record<string, SourceType> = {
  HUMAN: 'HUMAN',
  LLM_JUDGE: 'LLM_JUDGE',
  // MLflow 2.x called judge verdicts AI_JUDGE.
  AI_JUDGE: 'LLM_JUDGE',
  CODE: 'CODE',
};

const sourceType = z.string({ error: 'must be a string' }).transform((value, ctx) => {
  const type = SOURCE_TYPES[value.trim().toUpperCase()];
  if (type !== undefined) return type;
  ctx.addIssue({ code: 'custom', message: `must be HUMAN, LLM_JUDGE or CODE, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/** RFC 3339 with a zone (a zoneless time would be read in the server's local zone). */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** An RFC 3339 string or epoch milliseconds, as epoch milliseconds. */
export const timestampMs = z.union([z.string(), z.number()], { error: 'must be an RFC 3339 time' }).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(ms)) return Math.trunc(ms);
  ctx.addIssue({ code: 'custom', message: `must be an RFC 3339 time, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/** A string → string map (trace metadata, tags, assessment metadata). */
export const stringMap = z.record(z.string(), z.string({ error: 'must be a string' }), {
  error: 'must be an object of strings',
});

const json = z.json() as z.ZodType<JsonValue>;

/** One assessment's fields as MLflow writes them (also the OpenAPI body of the assessment API). */
export const assessmentSchema = z.object(
  {
    assessment_id: z.string().nullish(),
    assessment_name: z.string().min(1, 'must not be empty').nullish(),
    // Some clients send `name`, as Assay's own API does.
    name: z.string().min(1, 'must not be empty').nullish(),
    trace_id: z.string().nullish(),
    span_id: z.string().nullish(),
    source: z.object({ source_type: sourceType, source_id: z.string().nullish() }).nullish(),
    create_time: timestampMs.nullish(),
    last_update_time: timestampMs.nullish(),
    feedback: z
      .object({
        value: json.nullish(),
        error: z
          .object({ error_code: z.string(), error_message: z.string().nullish(), stack_trace: z.string().nullish() })
          .nullish(),
      })
      .nullish(),
    expectation: z
      .object({
        value: json.nullish(),
        // Values that are not JSON-friendly are sent serialized (MLflow's `serialized_value`).
        serialized_value: z.object({ serialization_format: z.string().nullish(), value: z.string() }).nullish(),
      })
      .nullish(),
    rationale: z.string().nullish(),
    metadata: stringMap.nullish(),
    overrides: z.string().nullish(),
    valid: z.boolean().nullish(),
  },
  { error: 'must be an assessment object' },
);

/**
 * Validates one MLflow assessment. `path` prefixes error messages; `traceId` (normalized) is the
 * trace it must belong to when it names one.
 */
export function parseMlflowAssessment(body: unknown, path: string, traceId?: string): IncomingAssessment {
  const a = parseOrThrow(assessmentSchema, body, path);
  const name = a.assessment_name ?? a.name;
  if (name == null) throw fieldError(joinPath(path, 'assessment_name'), 'required');
  if (a.trace_id != null && traceId !== undefined && normalizeTraceId(a.trace_id) !== traceId) {
    throw fieldError(joinPath(path, 'trace_id'), `${a.trace_id} does not match the trace's id ${traceId}`);
  }
  let spanId: string | null = null;
  if (a.span_id != null && a.span_id !== '') {
    spanId = normalizeSpanId(a.span_id);
    if (spanId === null) throw fieldError(joinPath(path, 'span_id'), 'not a valid base64 or hex span id');
  }
  if ((a.feedback == null) === (a.expectation == null)) {
    throw fieldError(path, 'exactly one of feedback or expectation is required');
  }
  const kind = a.feedback != null ? 'feedback' : 'expectation';
  if (kind === 'feedback' && a.source == null) throw fieldError(joinPath(path, 'source'), 'required for feedback');
  const error = a.feedback?.error;
  const result: IncomingAssessment = {
    name,
    kind,
    span_id: spanId,
    value: a.feedback != null ? (a.feedback.value ?? null) : expectationValue(a.expectation, path),
    rationale: a.rationale ?? null,
    error: error == null ? null : { error_code: error.error_code, error_message: error.error_message ?? '' },
    source: { source_type: a.source?.source_type ?? 'HUMAN', source_id: a.source?.source_id ?? null },
    metadata: a.metadata ?? {},
    overrides: a.overrides ?? null,
    // MLflow's JSON leaves `valid` out when it is the default.
    valid: a.valid ?? true,
  };
  if (a.assessment_id != null) result.assessment_id = a.assessment_id;
  if (a.create_time != null) result.create_time = new Date(a.create_time);
  if (a.last_update_time != null) result.last_update_time = new Date(a.last_update_time);
  return result;
}

function expectationValue(
  e: { value?: JsonValue | null; serialized_value?: { serialization_format?: string | null; value: string } | null } | null | undefined,
  path: string,
): JsonValue | null {
  if (e?.serialized_value == null) return e?.value ?? null;
  const format = e.serialized_value.serialization_format ?? 'JSON_FORMAT';
  if (format !== 'JSON_FORMAT') return e.serialized_value.value;
  try {
    return JSON.parse(e.serialized_value.value) as JsonValue;
  } catch {
    throw fieldError(joinPath(path, 'expectation', 'serialized_value', 'value'), 'not valid JSON');
  }
}
