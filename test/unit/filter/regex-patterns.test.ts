/** The RLIKE patterns of a filter, which the search checks against the database before running it. */
import { describe, expect, it } from 'vitest';
import { regexPatterns } from '../../../src/domain/filter/filter.ts';
import { parseFilter } from '../../../src/domain/filter/index.ts';

describe('regexPatterns', () => {
  it('lists every RLIKE pattern in order and nothing else', () => {
    const filter = parseFilter(
      `tags.a RLIKE '^x+$' AND status = 'OK' AND tags.b LIKE 'y%' AND span.attributes.model RLIKE 'gpt-[0-9]' AND status IN ('RLIKE')`,
    );
    expect(regexPatterns(filter)).toEqual(['^x+$', 'gpt-[0-9]']);
    expect(regexPatterns(parseFilter(`tags.a = 'RLIKE'`))).toEqual([]);
    expect(regexPatterns([])).toEqual([]);
  });
});
