/**
 * Identifiers: `entity.key` or a bare attribute key, split on the first dot outside backticks,
 * with entity aliases and the spec's rewrites applied (`name` → tag `mlflow.traceName`, …).
 */
import { invalid } from '../errors.ts';
import type { FilterEntity, NumericAttributeKey, SpanKey, StringAttributeKey } from './filter.ts';
import { quote } from './tokenize.ts';

/** What an identifier designates, and which comparators its family allows. */
export type Target =
  | { family: 'stringAttribute'; entity: 'attributes'; key: StringAttributeKey }
  | { family: 'numericAttribute'; entity: 'attributes'; key: NumericAttributeKey }
  | { family: 'keyed'; entity: 'tags' | 'metadata' | 'feedback' | 'expectation'; key: string }
  | { family: 'spanField' | 'spanContent' | 'spanAttribute'; entity: 'span'; key: SpanKey; attribute: string | null };

const ENTITIES: Record<string, FilterEntity> = {
  attributes: 'attributes',
  attribute: 'attributes',
  trace: 'attributes',
  tags: 'tags',
  tag: 'tags',
  metadata: 'metadata',
  request_metadata: 'metadata',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
};

const ATTRIBUTES: Record<string, Target> = {
  request_id: { family: 'stringAttribute', entity: 'attributes', key: 'request_id' },
  status: { family: 'stringAttribute', entity: 'attributes', key: 'status' },
  client_request_id: { family: 'stringAttribute', entity: 'attributes', key: 'client_request_id' },
  timestamp: { family: 'numericAttribute', entity: 'attributes', key: 'timestamp_ms' },
  timestamp_ms: { family: 'numericAttribute', entity: 'attributes', key: 'timestamp_ms' },
  execution_time: { family: 'numericAttribute', entity: 'attributes', key: 'execution_time_ms' },
  execution_time_ms: { family: 'numericAttribute', entity: 'attributes', key: 'execution_time_ms' },
  end_time: { family: 'numericAttribute', entity: 'attributes', key: 'end_time_ms' },
  end_time_ms: { family: 'numericAttribute', entity: 'attributes', key: 'end_time_ms' },
  name: { family: 'keyed', entity: 'tags', key: 'mlflow.traceName' },
  run_id: { family: 'keyed', entity: 'metadata', key: 'mlflow.sourceRun' },
  text: { family: 'spanContent', entity: 'span', key: 'content', attribute: null },
};

const SPAN_FIELDS: Record<string, Target> = {
  name: { family: 'spanField', entity: 'span', key: 'name', attribute: null },
  type: { family: 'spanField', entity: 'span', key: 'type', attribute: null },
  status: { family: 'spanField', entity: 'span', key: 'status', attribute: null },
  content: { family: 'spanContent', entity: 'span', key: 'content', attribute: null },
};

/** Resolves an identifier as written (backticks included) to its target. */
export function resolveIdentifier(raw: string): Target {
  const [head, tail] = splitFirstDot(raw);
  if (tail === undefined) return attributeTarget(unquote(head, raw), raw);
  const entityName = unquote(head, raw);
  const entity = ENTITIES[entityName];
  if (!Object.hasOwn(ENTITIES, entityName) || entity === undefined) {
    throw invalid(`Invalid entity type ${quote(entityName)} in ${quote(raw)}; valid: ${Object.keys(ENTITIES).join(', ')}`);
  }
  if (tail === '') throw invalid(`Invalid identifier ${quote(raw)}: the key after '${entityName}.' is missing`);
  switch (entity) {
    case 'attributes':
      return attributeTarget(unquote(tail, raw), raw);
    case 'span':
      return spanTarget(tail, raw);
    default:
      return { family: 'keyed', entity, key: unquote(tail, raw) };
  }
}

function attributeTarget(key: string, raw: string): Target {
  const target = Object.hasOwn(ATTRIBUTES, key) ? ATTRIBUTES[key] : undefined;
  if (!target) {
    throw invalid(
      `Invalid attribute key ${quote(key)} in ${quote(raw)}; valid: ${Object.keys(ATTRIBUTES).join(', ')}. ${keyedHint(key)}`,
    );
  }
  return target;
}

const FEEDBACK_WORDS = /feedback|score|rating|grade|judge|correct|safe|relevan/i;
const EXPECTATION_WORDS = /expect|ground_?truth|reference/i;

/**
 * Users who filter on a score often write it as an attribute (the datasets documents write
 * `attributes.feedback_score > 0.8`). Attributes are the trace's own fixed fields; assessments,
 * tags and metadata are named under their entity, so the hint names the form that would work.
 */
function keyedHint(key: string): string {
  const name = key.length > 100 ? '<name>' : /^[\w-]+$/.test(key) ? key : `\`${key}\``;
  const elsewhere = `tags.${name} or metadata.${name} if it is a tag or metadata`;
  if (EXPECTATION_WORDS.test(key)) {
    return `Attributes are the trace's own fields; an expectation is filtered by its name: did you mean 'expectation.${name}'? (${elsewhere})`;
  }
  if (FEEDBACK_WORDS.test(key)) {
    return `Attributes are the trace's own fields; feedback is filtered by its name: did you mean 'feedback.${name}'? (${elsewhere})`;
  }
  return `Tags, metadata and assessments are filtered under their entity: tags.${name}, metadata.${name}, feedback.${name} or expectation.${name}`;
}

function spanTarget(tail: string, raw: string): Target {
  const [field, rest] = splitFirstDot(tail);
  const name = unquote(field, raw);
  if (name === 'attributes' && rest !== undefined) {
    const attribute = unquote(rest, raw);
    if (attribute === '') throw invalid(`Invalid identifier ${quote(raw)}: the span attribute name is missing`);
    return { family: 'spanAttribute', entity: 'span', key: 'attributes', attribute };
  }
  const target = rest === undefined && Object.hasOwn(SPAN_FIELDS, name) ? SPAN_FIELDS[name] : undefined;
  if (!target) {
    throw invalid(`Invalid span key ${quote(tail)} in ${quote(raw)}; valid: name, type, status, content, attributes.<name>`);
  }
  return target;
}

/** Splits on the first dot that is not inside backticks. */
function splitFirstDot(text: string): [string, string | undefined] {
  let inTicks = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '`') inTicks = !inTicks;
    else if (ch === '.' && !inTicks) return [text.slice(0, i), text.slice(i + 1)];
  }
  return [text, undefined];
}

/** Strips backticks around a whole part; backticks anywhere else are a mistake worth naming. */
function unquote(part: string, raw: string): string {
  if (part.length >= 2 && part.startsWith('`') && part.endsWith('`') && !part.slice(1, -1).includes('`')) {
    return part.slice(1, -1);
  }
  if (part.includes('`')) {
    throw invalid(`Invalid identifier ${quote(raw)}: backticks must enclose a whole entity or key`);
  }
  return part;
}
