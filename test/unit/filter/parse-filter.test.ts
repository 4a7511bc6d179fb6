/** The parser's typed output (what monitors and datasets receive) and the integer bound rewrite. */
import { describe, expect, it } from 'vitest';
import { isAssayError } from '../../../src/domain/errors.ts';
import { parseFilter, parseOrderBy } from '../../../src/domain/filter/index.ts';
import { integerBound } from '../../../src/storage/trace-filter-sql.ts';
import { ERROR_CASES, MATCH_CASES } from '../../integration/search-filter-cases.ts';

describe('parseFilter', () => {
  it('applies aliases and rewrites, splitting identifiers on the first dot', () => {
    expect(
      parseFilter(
        "name = 'chat' AND run_id != \"r\" AND text ILIKE '%x%' AND `timestamp` >= 5 AND execution_time < 1.5e3 " +
          "AND end_time = -2 AND metadata.mlflow.sourceRun IS NULL AND span.attributes.`llm.model` IN ('a', 'b') " +
          "AND trace.status NOT IN ('OK') AND feedback.`my score` = '5' AND expectation.x IS NOT NULL",
      ),
    ).toEqual([
      { entity: 'tags', key: 'mlflow.traceName', comparator: '=', value: 'chat' },
      { entity: 'metadata', key: 'mlflow.sourceRun', comparator: '!=', value: 'r' },
      { entity: 'span', key: 'content', attribute: null, comparator: 'ILIKE', value: '%x%' },
      { entity: 'attributes', key: 'timestamp_ms', comparator: '>=', value: 5 },
      { entity: 'attributes', key: 'execution_time_ms', comparator: '<', value: 1500 },
      { entity: 'attributes', key: 'end_time_ms', comparator: '=', value: -2 },
      { entity: 'metadata', key: 'mlflow.sourceRun', comparator: 'IS NULL', value: null },
      { entity: 'span', key: 'attributes', attribute: 'llm.model', comparator: 'IN', value: ['a', 'b'] },
      { entity: 'attributes', key: 'status', comparator: 'NOT IN', value: ['OK'] },
      { entity: 'feedback', key: 'my score', comparator: '=', value: '5' },
      { entity: 'expectation', key: 'x', comparator: 'IS NOT NULL', value: null },
    ]);
  });

  it('reads numbers on tags, metadata and assessments as numeric comparisons, quoted values as text', () => {
    expect(
      parseFilter(
        "tag.quality_score < 0.7 AND metadata.tokens >= 1e3 AND tags.n = 5 AND tags.n != -2 AND tags.s = '5' " +
          'AND feedback.feedback_score > 0.8 AND expectation.x <= 1 AND name > 0',
      ),
    ).toEqual([
      { entity: 'tags', key: 'quality_score', comparator: '<', value: 0.7 },
      { entity: 'metadata', key: 'tokens', comparator: '>=', value: 1000 },
      { entity: 'tags', key: 'n', comparator: '=', value: 5 },
      { entity: 'tags', key: 'n', comparator: '!=', value: -2 },
      { entity: 'tags', key: 's', comparator: '=', value: '5' },
      { entity: 'feedback', key: 'feedback_score', comparator: '>', value: 0.8 },
      { entity: 'expectation', key: 'x', comparator: '<=', value: 1 },
      { entity: 'tags', key: 'mlflow.traceName', comparator: '>', value: 0 },
    ]);
  });

  it('refuses ordering comparators without a number and suggests the entity for an unknown attribute', () => {
    const message = (text: string) => {
      try {
        parseFilter(text);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message("tags.q < '0.7'")).toBe(
      "Invalid comparator '<' for 'tags.q' with the value '0.7': >, >=, <, <= compare numbers; write an unquoted number, e.g. tags.q < 0.7",
    );
    expect(message('feedback.score = 5')).toBe(
      "Invalid value '5' for 'feedback.score =': expected a quoted string, not a number (feedback values compare as text with =, " +
        "and '5' matches the number 5; >, >=, <, <= compare numbers)",
    );
    expect(message('attributes.feedback_score > 0.8')).toMatch(
      /^Invalid attribute key 'feedback_score' in 'attributes.feedback_score'; valid: request_id, .*\. Attributes are the trace's own fields; feedback is filtered by its name: did you mean 'feedback.feedback_score'\? \(tags.feedback_score or metadata.feedback_score if it is a tag or metadata\)$/,
    );
    expect(message("attributes.`my.key` = 'x'")).toContain('tags.`my.key`, metadata.`my.key`, feedback.`my.key` or expectation.`my.key`');
  });

  it('keeps values exactly as quoted: no unescaping inside', () => {
    expect(parseFilter(`tags.a = "it's \\n" AND tags.b LIKE '50\\%'`).map((c) => c.value)).toEqual(["it's \\n", '50\\%']);
  });

  it('throws INVALID_PARAMETER_VALUE errors that quote the offending part', () => {
    for (const [text, message] of [
      ["foo.x = 'a'", "Invalid entity type 'foo'"],
      ["tags.x < 'a'", "Invalid comparator '<'"],
      ["bogus = 'a'", "Invalid attribute key 'bogus'"],
    ]) {
      try {
        parseFilter(text!);
        expect.unreachable();
      } catch (error) {
        expect(isAssayError(error, 'INVALID_PARAMETER_VALUE')).toBe(true);
        expect((error as Error).message).toContain(message);
      }
    }
  });

  it('takes an RLIKE pattern of up to 10,000 characters and refuses a longer one', () => {
    expect(parseFilter(`trace.name RLIKE '${'a'.repeat(10_000)}'`)).toHaveLength(1);
    expect(() => parseFilter(`trace.name RLIKE '${'a'.repeat(10_001)}'`)).toThrow('Invalid filter: an RLIKE pattern of 10001 characters; at most 10000');
  });
});

describe('parseFilter over the search filter table', () => {
  // The same table the search tests run against Postgres: the parser alone accepts every match case
  // and refuses every error case with the message the API answers.
  it.each(MATCH_CASES.map(([filter]) => filter))('accepts %s', (filter) => {
    expect(() => parseFilter(filter)).not.toThrow();
  });

  // A bad RLIKE pattern is refused by Postgres's regex engine, after parsing.
  const checkedByPostgres = new Set([`status RLIKE '('`, `tags.env RLIKE 'a{2,1}'`]);
  it('leaves only the regex cases to Postgres', () => {
    expect(ERROR_CASES.filter(([f]) => checkedByPostgres.has(f))).toHaveLength(checkedByPostgres.size);
  });

  it.each(ERROR_CASES.filter(([f]) => !checkedByPostgres.has(f)))('refuses %s', (filter, expected) => {
    let caught: unknown;
    try {
      parseFilter(filter);
    } catch (error) {
      caught = error;
    }
    expect(isAssayError(caught, 'INVALID_PARAMETER_VALUE'), String(caught)).toBe(true);
    expect((caught as Error).message).toContain((expected as { error: string }).error);
  });
});

describe('parseOrderBy', () => {
  it('appends the tie-breakers it does not name and refuses duplicates', () => {
    expect(parseOrderBy(['tag.env DESC']).map((k) => [k.field, k.name, k.direction])).toEqual([
      ['tag', 'env', 'DESC'],
      ['timestamp_ms', null, 'DESC'],
      ['request_id', null, 'ASC'],
    ]);
    expect(parseOrderBy(['timestamp ASC']).map((k) => k.field)).toEqual(['timestamp_ms', 'request_id']);
    expect(() => parseOrderBy(['status', 'attributes.status DESC'])).toThrow(/given twice/);
  });
});

describe('integerBound', () => {
  it('rewrites fractional and out-of-range bounds to integer ones', () => {
    expect(integerBound('>', 1.5)).toEqual({ op: '>=', value: 2 });
    expect(integerBound('<', 1.5)).toEqual({ op: '<=', value: 1 });
    expect(integerBound('=', 1.5)).toBe('none');
    expect(integerBound('!=', 1.5)).toBe('all');
    expect(integerBound('<', 1e300)).toBe('all');
    expect(integerBound('>=', -1e300)).toBe('all');
    expect(integerBound('>', 1e300)).toBe('none');
    expect(integerBound('>=', 7)).toEqual({ op: '>=', value: 7 });
  });
});
