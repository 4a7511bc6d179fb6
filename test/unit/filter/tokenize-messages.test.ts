/**
 * What the scanner says about a filter it cannot read: the comparator as written, and an unclosed
 * string or backtick quoted from where it starts, not from the start of the filter.
 */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/domain/filter/index.ts';

const refusal = (text: string) => {
  try {
    parseFilter(text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('scanner messages', () => {
  it.each([
    ["tags.x == 'a'", "Invalid comparator '=='"],
    ["tags.x ~ 'a'", "Invalid comparator '~'"],
    ["tags.x =! 'a'", "Invalid comparator '=!'"],
    ["status = 'OK' AND tags.x = 'abc", "Invalid string value ''abc': missing closing '"],
    ['status = "OK', 'Invalid string value \'"OK\': missing closing "'],
    ["status = 'OK' AND tags.`x = 'a'", "Invalid identifier 'tags.`x = 'a'': missing closing backtick"],
    // A number glued to letters is one word, not a number followed by a word.
    ['status = 5abc', "Invalid value '5abc' for 'status =': string values must be quoted with ' or \""],
    ['execution_time_ms > 5abc', "Invalid value '5abc' for 'execution_time_ms >': expected a number"],
  ])('%s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('reads a number that ends at a comparator, parenthesis or the end', () => {
    expect(parseFilter('execution_time_ms>5')).toEqual(parseFilter('execution_time_ms > 5'));
    expect(parseFilter('execution_time_ms >= 1e3')[0]).toMatchObject({ comparator: '>=', value: 1000 });
  });
});
