/**
 * The machinery shared by LLM judges: send one or more prompts, turn each answer (or failure) into a
 * feedback with the judge's model, tokens, latency and cost, never letting a judge failure escape.
 */
import { z } from 'zod';
import type { FeedbackDraft } from '../domain/assessment.ts';
import { AssayError } from '../domain/errors.ts';
import type { JsonValue } from '../domain/trace.ts';
import type { JudgeCompletion } from './judge-client.ts';
import type { JudgePrompt } from './prompt.ts';
import type { Applicability, ScoreContext, Scorer } from './scorer.ts';
import type { ScorerInput } from './scorer-input.ts';

/** `yes`/`no`, tolerant of case, trailing punctuation and booleans. */
export const yesNo = z.preprocess((v) => {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return typeof v === 'string' ? v.trim().toLowerCase().replace(/[.!]+$/, '') : v;
}, z.enum(['yes', 'no']));

export const yesNoAnswer = z.object({ rationale: z.coerce.string().default(''), result: yesNo });

/** One judge question and where its feedback attaches. */
export interface JudgeAsk {
  prompt: JudgePrompt;
  span_id?: string | null;
  metadata?: Record<string, string>;
}

export interface LlmScorerSpec<T extends { rationale: string }> {
  name: string;
  type: string;
  model: string;
  applicability(input: ScorerInput): Applicability;
  /** The questions to ask for one input (several for per-span or per-chunk judges). */
  asks(input: ScorerInput): JudgeAsk[];
  /** Schema of the judge's answer. Default: `{rationale, result: yes|no}`. */
  schema?: z.ZodType<T>;
  /** The feedback value from a parsed answer. Default: `result`. */
  value?(parsed: T): JsonValue;
  /** Feedback that needs no judge (e.g. an exact match), or null to ask. */
  shortcut?(input: ScorerInput): FeedbackDraft[] | null;
  /** Adds derived feedback (e.g. precision over chunks) once every answer is in. */
  finish?(drafts: FeedbackDraft[], input: ScorerInput): FeedbackDraft[];
}

/** A Scorer built from a spec. */
export function llmScorer<T extends { rationale: string } = z.infer<typeof yesNoAnswer>>(spec: LlmScorerSpec<T>): Scorer {
  const schema = (spec.schema ?? yesNoAnswer) as z.ZodType<T>;
  const toValue = spec.value ?? ((parsed: T) => (parsed as unknown as { result: JsonValue }).result);
  return {
    name: spec.name,
    type: spec.type,
    kind: 'llm_judge',
    applicability: spec.applicability,
    async score(input, ctx) {
      const shortcut = spec.shortcut?.(input);
      if (shortcut) return shortcut;
      const drafts = await Promise.all(
        spec.asks(input).map((ask) => judgeFeedback(spec.name, spec.model, ask, schema, toValue, ctx)),
      );
      return spec.finish ? spec.finish(drafts, input) : drafts;
    },
  };
}

/** Asks the judge once; any failure other than the caller's abort becomes an error feedback. */
export async function judgeFeedback<T extends { rationale: string }>(
  name: string,
  model: string,
  ask: JudgeAsk,
  schema: z.ZodType<T>,
  toValue: (parsed: T) => JsonValue,
  ctx: ScoreContext,
): Promise<FeedbackDraft> {
  const base = { name, span_id: ask.span_id ?? null };
  try {
    const answer = await ctx.judge.complete({ ...ask.prompt, model, schema, signal: ctx.signal, onAttempt: ctx.onJudgeAttempt });
    return {
      ...base,
      value: toValue(answer.parsed),
      rationale: answer.parsed.rationale || null,
      error: null,
      source: { source_type: 'LLM_JUDGE', source_id: answer.model },
      metadata: { ...judgeMetadata(answer), ...ask.metadata },
    };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    const code = error instanceof AssayError ? error.code : 'INTERNAL_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...base,
      value: null,
      rationale: null,
      error: { error_code: code, error_message: message },
      source: { source_type: 'LLM_JUDGE', source_id: model },
      metadata: { 'assay.judge.model': model, ...ask.metadata },
    };
  }
}

/** The metadata every judge feedback carries (strings, as assessment metadata is a string map). */
export function judgeMetadata(answer: JudgeCompletion<unknown>): Record<string, string> {
  const metadata: Record<string, string> = {
    'assay.judge.model': answer.model,
    'assay.judge.input_tokens': String(answer.input_tokens),
    'assay.judge.output_tokens': String(answer.output_tokens),
    'assay.judge.latency_ms': String(answer.latency_ms),
  };
  if (answer.cost !== null) metadata['assay.judge.cost'] = String(answer.cost);
  return metadata;
}
