/** Judge–human agreement as the API answers it, for the OpenAPI document. */
import { z } from 'zod';
import { jsonValue } from './common.ts';

export const disagreementJson = z.object({
  trace_id: z.string(),
  judge_value: jsonValue,
  human_value: jsonValue,
  judge_rationale: z.string().nullable(),
  human_rationale: z.string().nullable(),
  judge_source_id: z.string().nullable(),
  human_source_id: z.string().nullable(),
});

export const guidelineClusterJson = z.object({
  /** The guideline as first written among the grouped texts. */
  guideline: z.string(),
  /** Every text grouped under it (same words once case, punctuation and function words are dropped). */
  texts: z.array(z.string()),
  /** Pairs this guideline applied to. */
  pairs: z.number(),
  /** Of those, the pairs where judge and person disagree. */
  disagreements: z.number(),
  disagreement_rate: z.number(),
  /** Disagreements whose rationales name this guideline (cover at least half its words, best of the trace's guidelines). */
  named: z.number(),
  /** The disagreeing traces it applied to, named ones first. */
  trace_ids: z.array(z.string()),
});

export const judgeAgreementJson = z.object({
  name: z.string(),
  value_type: z.enum(['categorical', 'numeric']),
  pairs: z.number(),
  agreement: z.number().nullable(),
  kappa: z.number().nullable(),
  kappa_ci: z.tuple([z.number(), z.number()]).nullable(),
  labels: z.array(z.string()),
  /** confusion[human label][judge label] = pairs. */
  confusion: z.record(z.string(), z.record(z.string(), z.number())),
  per_class: z.array(
    z.object({
      label: z.string(),
      precision: z.number().nullable(),
      recall: z.number().nullable(),
      human_count: z.number(),
      judge_count: z.number(),
    }),
  ),
  mae: z.number().nullable(),
  correlation: z.number().nullable(),
  disagreements: z.array(disagreementJson),
  /** All disagreements, of which `disagreements` holds the first `max_disagreements` by trace id. */
  disagreements_total: z.number(),
  /** Guidelines judges only (empty otherwise): the guideline texts the disagreements cluster on, most named first. */
  guideline_clusters: z.array(guidelineClusterJson),
});

export const judgeAgreementListJson = z.object({ judges: z.array(judgeAgreementJson) });
