/**
 * The filter parser: comparisons joined by AND, each `identifier comparator value`.
 * Every error is `INVALID_PARAMETER_VALUE` and quotes the part of the filter it rejects.
 */
import { invalid } from '../errors.ts';
import {
  FAMILY_COMPARATORS,
  FILTER_LIMITS,
  ORDERING_COMPARATORS,
  type Comparator,
  type Comparison,
  type Filter,
  type KeyedComparison,
  type KeyedNumberComparison,
  type NumericAttributeComparison,
  type SpanComparison,
  type StringAttributeComparison,
} from './filter.ts';
import { resolveIdentifier, type Target } from './identifier.ts';
import { quote, tokenize, type Token } from './tokenize.ts';

const WORD_COMPARATORS = new Set(['LIKE', 'ILIKE', 'RLIKE', 'IN']);

/**
 * Parses a filter string into a typed Filter. The empty (or blank) string is the empty filter.
 * Throws `AssayError('INVALID_PARAMETER_VALUE')` whose message quotes the offending part.
 */
export function parseFilter(text: string): Filter {
  if (text.length > FILTER_LIMITS.length) {
    throw invalid(`Invalid filter: ${text.length} characters; at most ${FILTER_LIMITS.length}`);
  }
  // Postgres text cannot hold NUL; refusing it here keeps it from ever reaching the database.
  if (text.includes('\u0000')) throw invalid(`Invalid character '\\u0000' at position ${text.indexOf('\u0000')}`);
  const cursor = new Cursor(tokenize(text));
  const filter: Comparison[] = [];
  let listValues = 0;
  while (cursor.peek()) {
    if (filter.length === FILTER_LIMITS.comparisons) {
      throw invalid(`Invalid filter: more than ${FILTER_LIMITS.comparisons} comparisons`);
    }
    const comparison = parseComparison(cursor);
    if (Array.isArray(comparison.value)) listValues += comparison.value.length;
    if (listValues > FILTER_LIMITS.listValues) {
      throw invalid(`Invalid filter: more than ${FILTER_LIMITS.listValues} values in IN lists`);
    }
    if (comparison.comparator === 'RLIKE' && typeof comparison.value === 'string' && comparison.value.length > FILTER_LIMITS.regexLength) {
      throw invalid(`Invalid filter: an RLIKE pattern of ${comparison.value.length} characters; at most ${FILTER_LIMITS.regexLength}`);
    }
    filter.push(comparison);
    const joiner = cursor.next();
    if (!joiner) break;
    if (isWord(joiner, 'OR')) {
      throw invalid(`Invalid clause ${quote(joiner.text)}: comparisons can only be joined by AND; OR is not supported`);
    }
    if (!isWord(joiner, 'AND')) {
      throw invalid(`Invalid filter: expected AND or the end of the filter, got ${show(joiner)}`);
    }
    if (!cursor.peek()) throw invalid(`Invalid filter: a comparison must follow ${quote(joiner.text)}`);
  }
  return filter;
}

function parseComparison(cursor: Cursor): Comparison {
  const first = cursor.next()!;
  if (isWord(first, 'OR')) throw invalid(`Invalid clause ${quote(first.text)}: OR is not supported`);
  if (first.kind !== 'word' || isWord(first, 'AND')) {
    const hint = first.kind === 'string' ? ' (quote identifiers with backticks)' : '';
    throw invalid(`Invalid filter: expected an identifier such as tags.<key>, got ${show(first)}${hint}`);
  }
  const target = resolveIdentifier(first.text);
  const { comparator, written } = readComparator(cursor, first.text);
  const allowed: readonly Comparator[] = FAMILY_COMPARATORS[target.family];
  if (!allowed.includes(comparator)) {
    throw invalid(`Invalid comparator ${quote(written)} for ${quote(first.text)}; allowed: ${allowed.join(', ')}`);
  }
  const subject = `${first.text} ${written}`;
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return build(target, comparator, null);
  if (comparator === 'IN' || comparator === 'NOT IN') return build(target, comparator, readList(cursor, subject));
  if (target.family === 'keyed') {
    const numeric = keyedNumber(cursor, target, comparator, first.text, written);
    if (numeric) return numeric;
  }
  const value = target.family === 'numericAttribute' ? readNumber(cursor, subject) : readString(cursor, subject);
  if ((comparator === 'LIKE' || comparator === 'ILIKE') && typeof value === 'string' && endsWithEscape(value)) {
    throw invalid(`Invalid ${comparator} pattern ${quote(value)}: it ends with the escape character '\\'`);
  }
  return build(target, comparator, value);
}

/**
 * The numeric extension on tags, metadata and assessments: `<`, `<=`, `>`, `>=` take a number (and
 * nothing else), `=` and `!=` take one on tags and metadata. Undefined when the value is a string
 * for `=`/`!=`, which then compare as the spec's text values.
 */
function keyedNumber(
  cursor: Cursor,
  target: Extract<Target, { family: 'keyed' }>,
  comparator: Comparator,
  identifier: string,
  written: string,
): KeyedNumberComparison | undefined {
  const token = cursor.peek();
  const subject = `${identifier} ${written}`;
  const ordering = ORDERING_COMPARATORS.includes(comparator);
  const numericEquality = (comparator === '=' || comparator === '!=') && (target.entity === 'tags' || target.entity === 'metadata');
  if (token?.kind === 'number' && (ordering || numericEquality)) {
    const value = readNumber(cursor, subject);
    return { entity: target.entity, key: target.key, comparator: comparator as KeyedNumberComparison['comparator'], value };
  }
  if (ordering && token) {
    throw invalid(
      `Invalid comparator ${quote(written)} for ${quote(identifier)} with the value ${show(token)}: ` +
        `${ORDERING_COMPARATORS.join(', ')} compare numbers; write an unquoted number, e.g. ${identifier.length > 200 ? '<key>' : identifier} ${written} 0.7`,
    );
  }
  if (ordering) readNumber(cursor, subject);
  if (token?.kind === 'number' && (comparator === '=' || comparator === '!=')) {
    // Assessments keep MLflow's text comparison for = and !=; the quoted form already matches numbers.
    throw invalid(
      `Invalid value ${show(token)} for ${quote(subject)}: expected a quoted string, not a number ` +
        `(${target.entity} values compare as text with ${written}, and '${token.text}' matches the number ${token.text}; ` +
        `${ORDERING_COMPARATORS.join(', ')} compare numbers)`,
    );
  }
  return undefined;
}

function readComparator(cursor: Cursor, identifier: string): { comparator: Comparator; written: string } {
  const token = cursor.next();
  if (!token) throw invalid(`Invalid filter: a comparator must follow ${quote(identifier)}`);
  if (token.kind === 'symbol') return { comparator: token.text as Comparator, written: token.text };
  if (token.kind !== 'word') throw invalid(`Invalid comparator ${show(token)} after ${quote(identifier)}`);
  const upper = token.text.toUpperCase();
  if (WORD_COMPARATORS.has(upper)) return { comparator: upper as Comparator, written: token.text };
  const second = cursor.next();
  const pair = `${token.text} ${second?.text ?? ''}`.trim();
  if (upper === 'NOT' && second && isWord(second, 'IN')) return { comparator: 'NOT IN', written: pair };
  if (upper === 'IS' && second && isWord(second, 'NULL')) return { comparator: 'IS NULL', written: pair };
  if (upper === 'IS' && second && isWord(second, 'NOT')) {
    const third = cursor.next();
    const written = `${pair} ${third?.text ?? ''}`.trim();
    if (third && isWord(third, 'NULL')) return { comparator: 'IS NOT NULL', written };
    throw invalid(`Invalid comparator ${quote(written)}`);
  }
  throw invalid(`Invalid comparator ${quote(upper === 'NOT' || upper === 'IS' ? pair : token.text)}`);
}

function readString(cursor: Cursor, subject: string): string {
  const token = cursor.next();
  if (!token) throw invalid(`Invalid filter: a value must follow ${quote(subject)}`);
  if (token.kind === 'string') return token.value;
  if (token.kind === 'number') {
    throw invalid(`Invalid value ${show(token)} for ${quote(subject)}: expected a quoted string, not a number`);
  }
  if (token.kind === 'punct' && token.text === '(') {
    throw invalid(`Invalid value '(' for ${quote(subject)}: a list is only allowed with IN and NOT IN`);
  }
  throw invalid(`Invalid value ${show(token)} for ${quote(subject)}: string values must be quoted with ' or "`);
}

function readNumber(cursor: Cursor, subject: string): number {
  const token = cursor.next();
  if (!token) throw invalid(`Invalid filter: a value must follow ${quote(subject)}`);
  if (token.kind !== 'number') throw invalid(`Invalid value ${show(token)} for ${quote(subject)}: expected a number`);
  if (!Number.isFinite(token.value)) throw invalid(`Invalid value ${show(token)} for ${quote(subject)}: number out of range`);
  return token.value;
}

function readList(cursor: Cursor, subject: string): string[] {
  const open = cursor.next();
  if (!open || open.kind !== 'punct' || open.text !== '(') {
    throw invalid(`Invalid value ${open ? show(open) : 'nothing'} for ${quote(subject)}: expected a list such as ('a', 'b')`);
  }
  const values: string[] = [];
  for (;;) {
    const close = cursor.peek();
    if (close?.kind === 'punct' && close.text === ')' && values.length === 0) {
      throw invalid(`Invalid value '()' for ${quote(subject)}: the list is empty`);
    }
    values.push(readString(cursor, subject));
    const next = cursor.next();
    if (next?.kind === 'punct' && next.text === ')') return values;
    if (!(next?.kind === 'punct' && next.text === ',')) {
      throw invalid(`Invalid list for ${quote(subject)}: expected ',' or ')', got ${next ? show(next) : 'the end'}`);
    }
  }
}

function build(target: Target, comparator: Comparator, value: string | number | string[] | null): Comparison {
  switch (target.family) {
    case 'numericAttribute':
      return { entity: 'attributes', key: target.key, comparator, value } as NumericAttributeComparison;
    case 'stringAttribute':
      return { entity: 'attributes', key: target.key, comparator, value } as StringAttributeComparison;
    case 'keyed':
      return { entity: target.entity, key: target.key, comparator, value } as KeyedComparison;
    default:
      return { entity: 'span', key: target.key, attribute: target.attribute, comparator, value } as SpanComparison;
  }
}

/** An odd run of trailing backslashes leaves Postgres' LIKE escape dangling. */
function endsWithEscape(pattern: string): boolean {
  const trailing = /\\+$/.exec(pattern)?.[0].length ?? 0;
  return trailing % 2 === 1;
}

function isWord(token: Token, keyword: string): boolean {
  return token.kind === 'word' && token.text.toUpperCase() === keyword;
}

function show(token: Token): string {
  return token.kind === 'string' ? (token.text.length > 200 ? `${token.text.slice(0, 200)}…` : token.text) : quote(token.text);
}

class Cursor {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.index];
  }
  next(): Token | undefined {
    const token = this.tokens[this.index];
    if (token) this.index += 1;
    return token;
  }
}
