/**
 * Labeling sessions and their label schemas (DESIGN §16). A label schema says what a labeler
 * answers for each trace and how the answer is stored: a feedback (yes/no, a number in a range,
 * one of a set of categories, free text) or an expectation (`expected_response`, `expected_facts`,
 * `guidelines`, or a name of your own). Labels are assessments named after their schema, with a
 * HUMAN source: the labeler's token name.
 */
import { z } from 'zod';

export type LabelKind = 'feedback' | 'expectation';
export type LabelType = 'yes_no' | 'numeric' | 'categorical' | 'text';

export interface LabelSchema {
  name: string;
  kind: LabelKind;
  type: LabelType;
  /** Shown above the field; defaults to the name. */
  title?: string | undefined;
  /** Guidance for the labeler. */
  instruction?: string | undefined;
  /** numeric: the inclusive range. */
  min?: number | undefined;
  max?: number | undefined;
  /** categorical: the allowed values. */
  options?: string[] | undefined;
  /** text: the answer is a list of strings (one per line), as `expected_facts` and `guidelines` are. */
  multiple?: boolean | undefined;
}

/** Expectation names with a fixed shape, as datasets check them. */
const LIST_EXPECTATIONS = new Set(['expected_facts', 'guidelines']);

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;

export const labelSchemaSchema = z
  .object({
    name: z.string({ error: 'must be a string' }).regex(NAME, 'must be 1-100 letters, digits, _ . or -, starting with a letter or _'),
    kind: z.enum(['feedback', 'expectation'], { error: "must be 'feedback' or 'expectation'" }),
    type: z.enum(['yes_no', 'numeric', 'categorical', 'text'], { error: "must be 'yes_no', 'numeric', 'categorical' or 'text'" }),
    title: z.string().max(200).optional(),
    instruction: z.string().max(2000).optional(),
    min: z.number({ error: 'must be a number' }).optional(),
    max: z.number({ error: 'must be a number' }).optional(),
    options: z.array(z.string().min(1, 'must not be empty').max(200), { error: 'must be a list of strings' }).min(1, 'give at least one option').max(50).optional(),
    multiple: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.type === 'numeric') {
      if (s.min === undefined) issue('min', 'a numeric label needs min');
      if (s.max === undefined) issue('max', 'a numeric label needs max');
      if (s.min !== undefined && s.max !== undefined && s.min >= s.max) issue('max', `must be greater than min (${s.min})`);
    } else {
      if (s.min !== undefined) issue('min', 'only a numeric label has min');
      if (s.max !== undefined) issue('max', 'only a numeric label has max');
    }
    if (s.type === 'categorical') {
      if (!s.options) issue('options', 'a categorical label needs options');
      else if (new Set(s.options).size !== s.options.length) issue('options', 'options must be distinct');
    } else if (s.options !== undefined) issue('options', 'only a categorical label has options');
    if (s.multiple !== undefined && s.type !== 'text') issue('multiple', 'only a text label can be multiple');
    if (s.kind === 'expectation') {
      if (s.name === 'expected_response' && (s.type !== 'text' || s.multiple)) issue('type', "expected_response is a single text: type 'text'");
      if (LIST_EXPECTATIONS.has(s.name) && s.type !== 'text') issue('type', `${s.name} is a list of strings: type 'text'`);
    } else if (s.name === 'expected_response' || LIST_EXPECTATIONS.has(s.name)) {
      issue('kind', `${s.name} is an expectation`);
    }
  })
  .transform((s): LabelSchema => (s.kind === 'expectation' && LIST_EXPECTATIONS.has(s.name) ? { ...s, multiple: true } : s));

export const labelSchemasSchema = z
  .array(labelSchemaSchema, { error: 'must be a list of label schemas' })
  .min(1, 'give at least one label schema')
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${s.name}' is named twice` });
      seen.add(s.name);
    });
  });

/**
 * Whether a value fits its schema: what the labeler view checks before it writes, and what the
 * session reads back when it reports progress. Returns the reason, or null when it fits.
 */
export function labelValueProblem(schema: LabelSchema, value: unknown): string | null {
  switch (schema.type) {
    case 'yes_no':
      return value === 'yes' || value === 'no' || typeof value === 'boolean' ? null : "must be 'yes' or 'no'";
    case 'numeric':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return value < schema.min! || value > schema.max! ? `must be between ${schema.min} and ${schema.max}` : null;
    case 'categorical':
      return typeof value === 'string' && schema.options!.includes(value) ? null : `must be one of ${schema.options!.join(', ')}`;
    case 'text':
      if (schema.multiple) return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be a list of strings';
      return typeof value === 'string' ? null : 'must be a string';
  }
}
