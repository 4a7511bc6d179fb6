/** One scorer entry as it appears in a monitor config or a `scorers/run` request. */
import { z } from 'zod';

/** The answer a custom judge gives: yes/no (default), a number in a range, or one of some categories. */
export const resultTypeSchema = z.union([
  z.literal('yes_no'),
  z.object({ type: z.literal('number'), min: z.number(), max: z.number() }),
  z.object({ type: z.literal('categories'), values: z.array(z.string().min(1)).min(2) }),
]);
export type ResultType = z.infer<typeof resultTypeSchema>;

/**
 * A scorer entry. `type` defaults to `name` (see `resolveScorerType`); the schema does not fill it in,
 * so a config reads back exactly as it was written. Extra fields pass the schema and are reported by
 * `validateScorerEntries`.
 */
export const scorerEntrySchema = z.looseObject({
  /** The feedback name; unique within a monitor. */
  name: z.string({ error: 'required: a non-empty string' }).trim().min(1, 'must be a non-empty string'),
  /** A predefined scorer type or alias, or `custom_judge`. Default: `name`. */
  type: z.string().trim().min(1).optional(),
  /** Fraction of traces scored, in [0, 1]; the monitor owns its meaning. */
  sample_rate: z.number().optional(),
  /** Per-scorer search filter; the monitor owns its meaning. */
  filter_string: z.string().optional(),
  /** Judge model for this scorer. Default: the configured judge model. */
  model: z.string().trim().min(1).optional(),
  /** `guidelines` scorer: natural-language rules the response must follow. */
  guidelines: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** `custom_judge`: the instructions, with `{{ inputs }}`, `{{ outputs }}`, `{{ expectations }}`, `{{ trace }}`. */
  instructions: z.string().min(1).optional(),
  /** `custom_judge`: the answer's type. Default `yes_no`. */
  result_type: resultTypeSchema.optional(),
});
export type ScorerEntry = z.infer<typeof scorerEntrySchema>;

/** Fields any entry may carry; anything else must belong to its type. */
export const COMMON_FIELDS = ['name', 'type', 'sample_rate', 'filter_string', 'model'] as const;
