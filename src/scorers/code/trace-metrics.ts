/** Code scorers that report what the trace already measured: `latency`, `token_count`, `cost`. */
import { notApplicable, APPLIES, type ScorerDefinition } from '../scorer.ts';
import { codeFeedback } from './code-feedback.ts';

export const latency: ScorerDefinition = {
  type: 'latency',
  kind: 'code',
  aliases: [],
  description: "The trace's execution duration in milliseconds.",
  required_fields: ['trace.execution_duration_ms'],
  create: (entry) => ({
    name: entry.name,
    type: 'latency',
    kind: 'code',
    applicability: (input) => (input.latency_ms === null ? notApplicable('the trace has no execution duration') : APPLIES),
    score: async (input) =>
      input.latency_ms === null ? [] : [codeFeedback(entry.name, 'latency', input.latency_ms, `The trace took ${input.latency_ms} ms.`)],
  }),
};

export const tokenCount: ScorerDefinition = {
  type: 'token_count',
  kind: 'code',
  aliases: [],
  description: 'Total tokens the trace used (input and output in metadata), summed over its spans.',
  required_fields: ['trace.token_usage'],
  create: (entry) => ({
    name: entry.name,
    type: 'token_count',
    kind: 'code',
    applicability: (input) => (input.tokens === null ? notApplicable('the trace records no token usage') : APPLIES),
    score: async (input) => {
      const t = input.tokens;
      if (t === null) return [];
      const total = t.total ?? (t.input ?? 0) + (t.output ?? 0);
      const metadata: Record<string, string> = {};
      if (t.input !== null) metadata['assay.tokens.input'] = String(t.input);
      if (t.output !== null) metadata['assay.tokens.output'] = String(t.output);
      return [codeFeedback(entry.name, 'token_count', total, `${total} tokens (input ${t.input ?? 'unknown'}, output ${t.output ?? 'unknown'}).`, metadata)];
    },
  }),
};

export const cost: ScorerDefinition = {
  type: 'cost',
  kind: 'code',
  aliases: [],
  description: 'What the trace cost in USD, as its spans recorded (mlflow.llm.cost).',
  required_fields: ['trace.cost'],
  create: (entry) => ({
    name: entry.name,
    type: 'cost',
    kind: 'code',
    applicability: (input) => (input.cost === null ? notApplicable('the trace records no cost') : APPLIES),
    score: async (input) => (input.cost === null ? [] : [codeFeedback(entry.name, 'cost', input.cost, `The trace cost $${input.cost}.`)]),
  }),
};
