/**
 * The messages a user reads when a filter is refused, word for word: each names the part of the
 * filter it stopped at and what would have been accepted there. Also the documented size limits,
 * at their boundary.
 */
import { describe, expect, it } from 'vitest';
import { isAssayError } from '../../../src/domain/errors.ts';
import { parseFilter } from '../../../src/domain/filter/index.ts';

function refusal(text: string): string {
  try {
    parseFilter(text);
  } catch (error) {
    expect(isAssayError(error, 'INVALID_PARAMETER_VALUE'), String(error)).toBe(true);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('parseFilter error messages', () => {
  it.each([
    ["tags.a = 'x\u0000'", "Invalid character '\\u0000' at position 11"],
    ["OR tags.a = 'x'", "Invalid clause 'OR': OR is not supported"],
    ["tags.a = 'x' OR tags.b = 'y'", "Invalid clause 'OR': comparisons can only be joined by AND; OR is not supported"],
    ["tags.a = 'x' tags.b = 'y'", "Invalid filter: expected AND or the end of the filter, got 'tags.b'"],
    ["tags.a = 'x' AND", "Invalid filter: a comparison must follow 'AND'"],
    ["AND tags.a = 'x'", "Invalid filter: expected an identifier such as tags.<key>, got 'AND'"],
    ["'tags.a' = 'x'", "Invalid filter: expected an identifier such as tags.<key>, got 'tags.a' (quote identifiers with backticks)"],
    ["5 = 'x'", "Invalid filter: expected an identifier such as tags.<key>, got '5'"],
  ])('the structure of %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ['tags.a', "Invalid filter: a comparator must follow 'tags.a'"],
    ["tags.a 'x'", "Invalid comparator 'x' after 'tags.a'"],
    ['tags.a (', "Invalid comparator '(' after 'tags.a'"],
    ["tags.a FOO 'x'", "Invalid comparator 'FOO'"],
    ['tags.a NOT', "Invalid comparator 'NOT'"],
    ["tags.a NOT LIKE 'x'", "Invalid comparator 'NOT LIKE'"],
    ['tags.a IS', "Invalid comparator 'IS'"],
    ['tags.a IS NOT', "Invalid comparator 'IS NOT'"],
    ["tags.a IS NOT 'x'", "Invalid comparator 'IS NOT 'x''"],
    ["tags.a IS IN ('x')", "Invalid comparator 'IS IN'"],
    ['tags.a NOT NULL', "Invalid comparator 'NOT NULL'"],
    ['tags.a NOT NOT NULL', "Invalid comparator 'NOT NOT'"],
    // The comparator is quoted as written, and the message lists what the key's family allows.
    ['status is null', "Invalid comparator 'is null' for 'status'; allowed: =, !=, IN, NOT IN, LIKE, ILIKE, RLIKE"],
    ["status < 'a'", "Invalid comparator '<' for 'status'; allowed: =, !=, IN, NOT IN, LIKE, ILIKE, RLIKE"],
    ["timestamp LIKE 'a'", "Invalid comparator 'LIKE' for 'timestamp'; allowed: =, !=, >, >=, <, <="],
    ["span.content = 'a'", "Invalid comparator '=' for 'span.content'; allowed: LIKE, ILIKE"],
  ])('the comparator of %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ['tags.a =', "Invalid filter: a value must follow 'tags.a ='"],
    ['tags.a <', "Invalid filter: a value must follow 'tags.a <'"],
    ['timestamp >', "Invalid filter: a value must follow 'timestamp >'"],
    ['tags.a = (', "Invalid value '(' for 'tags.a =': a list is only allowed with IN and NOT IN"],
    ['tags.a = )', `Invalid value ')' for 'tags.a =': string values must be quoted with ' or "`],
    ['tags.a = foo', `Invalid value 'foo' for 'tags.a =': string values must be quoted with ' or "`],
    ['tags.a LIKE 5', "Invalid value '5' for 'tags.a LIKE': expected a quoted string, not a number"],
    ['feedback.x LIKE 5', "Invalid value '5' for 'feedback.x LIKE': expected a quoted string, not a number"],
    [
      'feedback.x != 5',
      "Invalid value '5' for 'feedback.x !=': expected a quoted string, not a number (feedback values compare as text with !=, " +
        "and '5' matches the number 5; >, >=, <, <= compare numbers)",
    ],
    ["timestamp = 'a'", "Invalid value 'a' for 'timestamp =': expected a number"],
    ['tags.a = 1e999', "Invalid value '1e999' for 'tags.a =': number out of range"],
  ])('the value of %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ["status IN 'x'", "Invalid value 'x' for 'status IN': expected a list such as ('a', 'b')"],
    ['status IN', "Invalid value nothing for 'status IN': expected a list such as ('a', 'b')"],
    ['status IN )', "Invalid value ')' for 'status IN': expected a list such as ('a', 'b')"],
    ['status in ()', "Invalid value '()' for 'status in': the list is empty"],
    ["status NOT IN ('a' 'b')", "Invalid list for 'status NOT IN': expected ',' or ')', got 'b'"],
    ['status IN (', "Invalid filter: a value must follow 'status IN'"],
    ["status IN ('a'", "Invalid list for 'status IN': expected ',' or ')', got the end"],
    ["status IN ('a',)", `Invalid value ')' for 'status IN': string values must be quoted with ' or "`],
  ])('the list of %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('refuses a LIKE or ILIKE pattern ending in an odd number of backslashes, and nothing else', () => {
    expect(refusal("tags.a LIKE 'x\\'")).toBe("Invalid LIKE pattern 'x\\': it ends with the escape character '\\'");
    expect(refusal("tags.a ILIKE 'x\\\\\\'")).toBe("Invalid ILIKE pattern 'x\\\\\\': it ends with the escape character '\\'");
    // An escaped backslash is a literal one; RLIKE and = have no LIKE escape.
    expect(parseFilter("tags.a LIKE 'x\\\\'")).toEqual([{ entity: 'tags', key: 'a', comparator: 'LIKE', value: 'x\\\\' }]);
    expect(parseFilter("tags.a RLIKE 'x\\'")).toEqual([{ entity: 'tags', key: 'a', comparator: 'RLIKE', value: 'x\\' }]);
    expect(parseFilter("tags.a = 'x\\'")).toEqual([{ entity: 'tags', key: 'a', comparator: '=', value: 'x\\' }]);
  });

  it('compares numbers for = and != on metadata as on tags', () => {
    expect(parseFilter('metadata.n = 5 AND metadata.n != 6')).toEqual([
      { entity: 'metadata', key: 'n', comparator: '=', value: 5 },
      { entity: 'metadata', key: 'n', comparator: '!=', value: 6 },
    ]);
  });

  it('shortens identifiers and values past 200 characters in messages', () => {
    const key200 = `tags.${'k'.repeat(195)}`;
    expect(refusal(`${key200} < 'x'`)).toBe(
      `Invalid comparator '<' for '${key200}' with the value 'x': >, >=, <, <= compare numbers; write an unquoted number, e.g. ${key200} < 0.7`,
    );
    const key201 = `${key200}k`;
    expect(refusal(`${key201} < 'x'`)).toBe(
      `Invalid comparator '<' for '${key200}…' with the value 'x': >, >=, <, <= compare numbers; write an unquoted number, e.g. <key> < 0.7`,
    );
    const value200 = `'${'v'.repeat(198)}'`;
    expect(refusal(`tags.a = 'x' ${value200}`)).toBe(`Invalid filter: expected AND or the end of the filter, got ${value200}`);
    expect(refusal(`tags.a = 'x' ${value200.slice(0, -1)}v'`)).toBe(`Invalid filter: expected AND or the end of the filter, got '${'v'.repeat(199)}…`);
  });
});

describe('parseFilter limits', () => {
  it('takes a filter of 1,000,000 characters and refuses a longer one', () => {
    const prefix = "tags.a = '";
    const exact = `${prefix}${'v'.repeat(1_000_000 - prefix.length - 1)}'`;
    expect(exact).toHaveLength(1_000_000);
    expect(parseFilter(exact)).toHaveLength(1);
    expect(refusal(`${exact} `)).toBe('Invalid filter: 1000001 characters; at most 1000000');
  });

  it('takes 100 comparisons and refuses 101', () => {
    const clauses = (n: number) => Array.from({ length: n }, (_, i) => `tags.k${i} = 'v'`).join(' AND ');
    expect(parseFilter(clauses(100))).toHaveLength(100);
    expect(refusal(clauses(101))).toBe('Invalid filter: more than 100 comparisons');
  });

  it('takes 10,000 values across all IN lists and refuses one more', () => {
    const list = (n: number) => `(${Array.from({ length: n }, (_, i) => `'v${i}'`).join(', ')})`;
    expect(parseFilter(`status IN ${list(5_000)} AND span.name NOT IN ${list(5_000)}`)).toHaveLength(2);
    expect(refusal(`status IN ${list(5_000)} AND span.name NOT IN ${list(5_001)}`)).toBe('Invalid filter: more than 10000 values in IN lists');
  });

  it('limits the length of RLIKE patterns only', () => {
    const long = 'a'.repeat(10_001);
    expect(parseFilter(`tags.a LIKE '${long}' AND tags.b = '${long}'`)).toHaveLength(2);
    expect(refusal(`tags.a RLIKE '${long}'`)).toBe('Invalid filter: an RLIKE pattern of 10001 characters; at most 10000');
  });
});
