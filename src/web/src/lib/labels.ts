/** Label answers checked against their schema before they are written, by the rules the API documents. */
export interface LabelSchemaLike {
  type: 'yes_no' | 'numeric' | 'categorical' | 'text';
  min?: number | undefined;
  max?: number | undefined;
  options?: string[] | undefined;
  multiple?: boolean | undefined;
}

/** What a schema's value should be, or why the answer does not fit (the same rules the API documents). */
export function labelProblem(schema: LabelSchemaLike, value: unknown): string | null {
  switch (schema.type) {
    case 'yes_no':
      return value === 'yes' || value === 'no' ? null : 'choose yes or no';
    case 'numeric':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return value < schema.min! || value > schema.max! ? `must be between ${schema.min} and ${schema.max}` : null;
    case 'categorical':
      return typeof value === 'string' && schema.options!.includes(value) ? null : `choose one of ${schema.options!.join(', ')}`;
    case 'text':
      if (schema.multiple) return Array.isArray(value) && value.length > 0 ? null : 'give at least one line';
      return typeof value === 'string' && value.trim() !== '' ? null : 'must not be empty';
  }
}
