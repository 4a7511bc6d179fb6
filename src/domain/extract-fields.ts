/**
 * `extract_fields` of a trace search: span values returned as columns beside each trace, as
 * MLflow's `search_traces(extract_fields=[...])` does.
 *
 * - `<span name>.inputs`, `<span name>.inputs.<field>`, `<span name>.outputs[.<field>]`: MLflow's
 *   forms; the span is the first one (by start time) with that name.
 * - `span.<...>`: the root span (`span.end_time`, `span.inputs.messages`, `span.outputs.choices`,
 *   `span.attributes.usage.total_tokens`).
 * - After the span: `inputs` and `outputs` with an optional path into the JSON (`choices.0.message`),
 *   `attributes.<name>[.<path>]`, and `name`, `type`, `status`, `start_time`, `end_time` (epoch ms).
 *
 * Parts split on dots outside backticks; backticks around a part keep its dots (`` `my.span`.inputs ``,
 * `` span.attributes.`llm.token_count.total` ``). A span literally named `span` is `` `span` ``.
 */
import { invalid } from './errors.ts';

export type ExtractPart = 'name' | 'type' | 'status' | 'start_time' | 'end_time' | 'inputs' | 'outputs' | 'attributes';

export interface ExtractField {
  /** The field as the caller wrote it: the key of its value in the result. */
  field: string;
  /** The root span, or the first span with this name. */
  span: { root: true } | { root: false; name: string };
  part: ExtractPart;
  /**
   * Keys into the JSON value for `inputs` and `outputs` (array indexes as digits). For `attributes`,
   * the attribute's name and then a path; unquoted dots are ambiguous there (OpenTelemetry names
   * hold dots), so the storage tries the longest attribute name first.
   */
  path: string[];
}

/** At most this many fields per search, each at most this many characters. */
export const EXTRACT_LIMITS = { fields: 50, length: 1000 } as const;

const SCALAR_PARTS = new Set<ExtractPart>(['name', 'type', 'status', 'start_time', 'end_time']);
const PARTS = 'inputs[.<path>], outputs[.<path>], attributes.<name>[.<path>], name, type, status, start_time, end_time';

/** Parses every field; errors read `extract_fields[i]: …`. Repeated fields are kept once. */
export function parseExtractFields(fields: readonly string[]): ExtractField[] {
  if (fields.length > EXTRACT_LIMITS.fields) {
    throw invalid(`extract_fields: ${fields.length} fields; at most ${EXTRACT_LIMITS.fields}`);
  }
  const parsed: ExtractField[] = [];
  const seen = new Set<string>();
  fields.forEach((field, i) => {
    if (seen.has(field)) return;
    seen.add(field);
    try {
      parsed.push(parseExtractField(field));
    } catch (error) {
      throw invalid(`extract_fields[${i}]: ${(error as Error).message}`);
    }
  });
  return parsed;
}

/** One field; throws with a message that quotes it (without the `extract_fields[i]` prefix). */
export function parseExtractField(field: string): ExtractField {
  const shown = quoteField(field);
  if (field.length > EXTRACT_LIMITS.length) throw invalid(`${shown} is ${field.length} characters long; at most ${EXTRACT_LIMITS.length}`);
  if (field.includes('\u0000')) throw invalid(`${shown} contains the character '\\u0000'`);
  if (field.trim() === '') throw invalid(`the field is empty; write e.g. span.inputs or <span name>.outputs.<field>`);
  const parts = splitParts(field, shown);
  if (parts.some((p) => p.text === '')) throw invalid(`${shown} has an empty part (check for a leading, trailing or doubled dot)`);
  const [head, partName, ...path] = parts;
  if (!head || !partName) {
    throw invalid(`${shown} names no span value: write <span name>.inputs[.<field>], <span name>.outputs[.<field>] or span.<part> for the root span`);
  }
  const span = head.text === 'span' && !head.quoted ? ({ root: true } as const) : ({ root: false, name: head.text } as const);
  const part = partName.text as ExtractPart;
  if (partName.quoted || !(SCALAR_PARTS.has(part) || part === 'inputs' || part === 'outputs' || part === 'attributes')) {
    throw invalid(`${shown}: unknown span part ${quoteField(partName.text)}; valid: ${PARTS}`);
  }
  if (SCALAR_PARTS.has(part) && path.length > 0) throw invalid(`${shown}: '${part}' is a plain value and takes no path after it`);
  if (part === 'attributes' && path.length === 0) throw invalid(`${shown}: 'attributes' needs an attribute name, e.g. span.attributes.usage.total_tokens`);
  return { field, span, part, path: path.map((p) => p.text) };
}

/** Splits on dots outside backticks; a part wholly in backticks loses them and is marked quoted. */
function splitParts(field: string, shown: string): Array<{ text: string; quoted: boolean }> {
  const raw: string[] = [];
  let start = 0;
  let inTicks = false;
  for (let i = 0; i < field.length; i += 1) {
    const ch = field[i];
    if (ch === '`') inTicks = !inTicks;
    else if (ch === '.' && !inTicks) {
      raw.push(field.slice(start, i));
      start = i + 1;
    }
  }
  if (inTicks) throw invalid(`${shown} has a backtick without its closing one`);
  raw.push(field.slice(start));
  return raw.map((part) => {
    if (part.length >= 2 && part.startsWith('`') && part.endsWith('`') && !part.slice(1, -1).includes('`')) {
      return { text: part.slice(1, -1), quoted: true };
    }
    if (part.includes('`')) throw invalid(`${shown}: backticks must enclose a whole part, as in \`my.span\`.inputs`);
    return { text: part, quoted: false };
  });
}

function quoteField(text: string): string {
  return `'${text.length > 200 ? `${text.slice(0, 200)}…` : text}'`;
}
