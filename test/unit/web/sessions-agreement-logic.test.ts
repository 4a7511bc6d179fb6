/** The sessions and judge agreement pages' own logic: the session search as a filter, the figures' text. */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/domain/filter/parse-filter.ts';
import { kappaText, percent, valueText } from '../../../src/web/src/lib/agreement.ts';
import { sessionSearchFilter } from '../../../src/web/src/lib/sessions.ts';

describe('session search', () => {
  it('becomes a clause the filter language parses, whatever quotes the text holds', () => {
    expect(sessionSearchFilter(undefined)).toBe('');
    expect(sessionSearchFilter('  ')).toBe('');
    expect(sessionSearchFilter(' conv-1 ')).toBe("metadata.`mlflow.trace.session` ILIKE '%conv-1%'");
    expect(parseFilter(sessionSearchFilter('conv-1'))).toMatchObject([{ entity: 'metadata', key: 'mlflow.trace.session', comparator: 'ILIKE', value: '%conv-1%' }]);
    expect(parseFilter(sessionSearchFilter("o'brien"))).toMatchObject([{ value: "%o'brien%" }]);
    // Both quotes: the double quote is dropped, the rest still searched.
    expect(parseFilter(sessionSearchFilter(`a'b"c`))).toMatchObject([{ value: "%a'bc%" }]);
  });
});

describe('agreement figures', () => {
  it('writes shares, kappa with its reading, and values', () => {
    expect(percent(null)).toBe('—');
    expect(percent(5 / 7)).toBe('71.4%');
    expect(kappaText(null)).toBe('—');
    expect([-0.1, 0, 0.2, 0.35, 0.4166, 0.6, 0.8, 0.95].map(kappaText)).toEqual([
      '-0.10 (worse than chance)', '0.00 (slight)', '0.20 (slight)', '0.35 (fair)', '0.42 (moderate)', '0.60 (moderate)', '0.80 (substantial)', '0.95 (almost perfect)',
    ]);
    expect(valueText('yes')).toBe('yes');
    expect(valueText(4)).toBe('4');
    expect(valueText({ a: 1 })).toBe('{"a":1}');
  });
});
