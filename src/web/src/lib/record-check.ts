/** A dataset record's JSON fields checked as the user types: syntax, object shapes, the reserved expectation types. */
export type RecordField = 'inputs' | 'outputs' | 'expectations' | 'tags';

/** What is wrong with a field's text as the user types, or null. */
export function localProblem(field: RecordField, text: string): string | null {
  if (text.trim() === '') return field === 'inputs' ? 'inputs: required, a JSON object' : null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (field === 'outputs') return null; // plain text is a valid output
    return `${field}: not valid JSON (${(e as Error).message})`;
  }
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (field !== 'outputs' && !isObject) return `${field}: must be a JSON object`;
  if (field === 'tags') {
    const bad = Object.entries(value as object).find(([, v]) => typeof v !== 'string');
    if (bad) return `tags.${bad[0]}: tag values must be strings`;
  }
  if (field === 'expectations') {
    const e = value as Record<string, unknown>;
    if (e.expected_response !== undefined && typeof e.expected_response !== 'string') return 'expectations.expected_response: must be a string';
    for (const k of ['expected_facts', 'guidelines']) {
      if (e[k] !== undefined && !(Array.isArray(e[k]) && (e[k] as unknown[]).every((x) => typeof x === 'string'))) return `expectations.${k}: must be a list of strings`;
    }
  }
  return null;
}

