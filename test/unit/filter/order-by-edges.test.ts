/**
 * `order_by` items a user can get slightly wrong: a direction word that is not ASC or DESC, trailing
 * words, a one-letter key, a lone backtick, padding around a keyed item, very long keys in messages.
 */
import { describe, expect, it } from 'vitest';
import { parseOrderBy } from '../../../src/domain/filter/index.ts';

const VALID = 'valid: timestamp_ms, execution_time_ms, status, request_id, name, run_id, experiment_id, tag.<key>, metadata.<key>, each optionally ASC or DESC';

describe('order_by edges', () => {
  it.each([
    ['status desc extra', `order_by: Invalid order_by key 'status desc extra'; ${VALID}`],
    ['status descending', `order_by: Invalid order_by key 'status descending'; ${VALID}`],
    ['x DESC', `order_by: Invalid order_by key 'x'; ${VALID}`],
    // `tags` without a key is neither a field nor a keyed item.
    ['tags', `order_by: Invalid order_by key 'tags'; ${VALID}`],
    ['metadata', `order_by: Invalid order_by key 'metadata'; ${VALID}`],
    [' tag. ', "order_by: missing key in 'tag.'"],
    ['  metadata.   DESC ', "order_by: missing key in 'metadata.   DESC'"],
  ])('refuses %j', (item, message) => {
    expect(() => parseOrderBy([item])).toThrow(message);
  });

  it('quotes at most 200 characters of a long key', () => {
    const long = 'b'.repeat(300);
    let message = '';
    try {
      parseOrderBy([long]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`order_by: Invalid order_by key '${'b'.repeat(200)}'; ${VALID}`);
    try {
      parseOrderBy([`${'a'.repeat(300)}\u0000`]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`order_by: invalid character '\\u0000' in '${'a'.repeat(200)}'`);
  });

  it('keeps a backtick that does not enclose the whole key', () => {
    expect(parseOrderBy(['tag.`ab'])[0]).toEqual({ field: 'tag', name: '`ab', direction: 'ASC' });
    expect(parseOrderBy(['tag.ab` DESC'])[0]).toEqual({ field: 'tag', name: 'ab`', direction: 'DESC' });
    expect(parseOrderBy(['metadata.`a`b`'])[0]).toEqual({ field: 'metadata', name: 'a`b', direction: 'ASC' });
  });
});
