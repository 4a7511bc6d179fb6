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
});

export const judgeAgreementListJson = z.object({ judges: z.array(judgeAgreementJson) });
