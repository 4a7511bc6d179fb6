/**
 * `custom_judge`: a judge whose instructions the user writes, naming the data with `{{ inputs }}`,
 * `{{ outputs }}`, `{{ expectations }}` and `{{ trace }}`. The data never goes into the instructions
 * themselves: each variable becomes a reference to a delimited section, so that what an application
 * logged cannot rewrite the judge's instructions.
 */
import { z } from 'zod';
import type { JsonValue, StoredTrace } from '../domain/trace.ts';
import { llmScorer } from './llm-scorer.ts';
import { buildJudgePrompt, type PromptSection } from './prompt.ts';
import type { ResultType } from '../domain/scorer-entry.ts';
import { notApplicable, APPLIES, type ScorerDefinition } from './scorer.ts';
import type { ScorerInput } from './scorer-input.ts';

export const TEMPLATE_VARIABLES = ['inputs', 'outputs', 'expectations', 'trace'] as const;
type Variable = (typeof TEMPLATE_VARIABLES)[number];

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every variable named in a template, in order of first use. */
export function templateVariables(instructions: string): string[] {
  return [...new Set([...instructions.matchAll(VARIABLE)].map((m) => m[1] ?? ''))];
}

/** Problems with a custom judge's instructions. */
export function instructionProblems(instructions: string | undefined): string[] {
  if (instructions === undefined || instructions.trim() === '') return ['required for a custom_judge'];
  const used = templateVariables(instructions);
  const list = TEMPLATE_VARIABLES.map((v) => `{{ ${v} }}`).join(', ');
  if (used.length === 0) return [`no template variable (${list})`];
  return used
    .filter((v) => !(TEMPLATE_VARIABLES as readonly string[]).includes(v))
    .map((v) => `unknown template variable '{{ ${v} }}'; known: ${list}`);
}

const label = (v: Variable) => v.toUpperCase();

function sectionText(variable: Variable, input: ScorerInput): string {
  switch (variable) {
    case 'inputs':
      return pretty(input.inputs);
    case 'outputs':
      return pretty(input.outputs);
    case 'expectations':
      return pretty(input.expectations);
    case 'trace':
      return input.trace ? traceText(input.trace) : '(no trace)';
  }
}

/** The spans a judge needs to follow what happened, cut to a size a judge can read. */
function traceText(trace: StoredTrace): string {
  const spans = trace.spans.map((s) => ({
    span_id: s.span_id,
    parent_span_id: s.parent_span_id,
    name: s.name,
    span_type: s.span_type,
    status: s.status_code,
    inputs: s.inputs,
    outputs: s.outputs,
  }));
  const text = JSON.stringify({ trace_id: trace.info.trace_id, state: trace.info.state, spans }, null, 1);
  return text.length > 40_000 ? `${text.slice(0, 40_000)}\n… (trace cut at 40,000 characters)` : text;
}

function pretty(value: JsonValue | Record<string, JsonValue>): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function answerShape(resultType: ResultType): string {
  const result =
    resultType === 'yes_no'
      ? '"yes" or "no"'
      : resultType.type === 'number'
        ? `a number from ${resultType.min} to ${resultType.max}`
        : `exactly one of ${resultType.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return `Reply with one JSON object and nothing else, in this shape: {"rationale": "<your reasoning in a few sentences, before the verdict>", "result": ${result}}`;
}

function answerSchema(resultType: ResultType) {
  const rationale = z.coerce.string().default('');
  if (resultType === 'yes_no') {
    return z.object({ rationale, result: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['yes', 'no'])) });
  }
  if (resultType.type === 'number') return z.object({ rationale, result: z.coerce.number().min(resultType.min).max(resultType.max) });
  const byLower = new Map(resultType.values.map((v) => [v.toLowerCase(), v]));
  return z.object({
    rationale,
    result: z.string().transform((v, ctx) => byLower.get(v.trim().toLowerCase()) ?? (ctx.addIssue({ code: 'custom', message: 'not a category' }), z.NEVER)),
  });
}

/** The prompt for one input. */
export function customJudgePrompt(instructions: string, resultType: ResultType, input: ScorerInput) {
  const used = templateVariables(instructions) as Variable[];
  const instruction = instructions.replace(VARIABLE, (_, name: string) => `the ${label(name as Variable)} section`);
  const sections: PromptSection[] = used.map((v) => ({ label: label(v), text: sectionText(v, input) }));
  return buildJudgePrompt({
    judge: 'custom_judge',
    instruction,
    sections,
    answer: answerShape(resultType),
    extraSystem: [`[assay-result-type: ${JSON.stringify(resultType)}]`],
  });
}

export const customJudge: ScorerDefinition = {
  type: 'custom_judge',
  kind: 'llm_judge',
  aliases: [],
  description: 'A judge with your own instructions using {{ inputs }}, {{ outputs }}, {{ expectations }}, {{ trace }}; answers yes/no, a number in a range, or a category.',
  required_fields: ['instructions (in the entry)', 'whatever the instructions name'],
  validate: (entry) => instructionProblems(entry.instructions).map((p) => ['instructions', p]),
  create: (entry, defaults) => {
    const instructions = entry.instructions ?? '';
    const resultType = entry.result_type ?? 'yes_no';
    const used = templateVariables(instructions);
    return llmScorer({
      name: entry.name,
      type: 'custom_judge',
      model: entry.model ?? defaults.model,
      schema: answerSchema(resultType) as z.ZodType<{ rationale: string; result: JsonValue }>,
      applicability: (input) => {
        if (used.includes('trace') && input.trace === null) return notApplicable('the instructions use {{ trace }} but the input is a record, not a trace');
        if (used.includes('expectations') && Object.keys(input.expectations).length === 0) return notApplicable('no expectations: the instructions use {{ expectations }}');
        return APPLIES;
      },
      asks: (input) => [{ prompt: customJudgePrompt(instructions, resultType, input) }],
    });
  },
};
