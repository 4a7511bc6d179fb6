/** `order_by` parsing with written-out results: fields and aliases, directions, keys, tie-breakers, errors. */
import { describe, expect, it } from 'vitest';
import { isAssayError } from '../../../src/domain/errors.ts';
import { parseOrderBy } from '../../../src/domain/filter/index.ts';

const TS_DESC = { field: 'timestamp_ms', name: null, direction: 'DESC' };
const ID_ASC = { field: 'request_id', name: null, direction: 'ASC' };

describe('parseOrderBy, written out', () => {
  it.each<[string, object]>([
    ['timestamp', { field: 'timestamp_ms', name: null, direction: 'ASC' }],
    ['timestamp_ms DESC', { field: 'timestamp_ms', name: null, direction: 'DESC' }],
    ['  execution_time   desc  ', { field: 'execution_time_ms', name: null, direction: 'DESC' }],
    ['execution_time_ms asc', { field: 'execution_time_ms', name: null, direction: 'ASC' }],
    ['attributes.status Desc', { field: 'status', name: null, direction: 'DESC' }],
    ['trace.name', { field: 'name', name: null, direction: 'ASC' }],
    ['attribute.run_id', { field: 'run_id', name: null, direction: 'ASC' }],
    ['experiment_id DESC', { field: 'experiment_id', name: null, direction: 'DESC' }],
    ['`status`', { field: 'status', name: null, direction: 'ASC' }],
    ['tag.env DESC', { field: 'tag', name: 'env', direction: 'DESC' }],
    ['tags.`mlflow.user` ASC', { field: 'tag', name: 'mlflow.user', direction: 'ASC' }],
    ['metadata.a.b', { field: 'metadata', name: 'a.b', direction: 'ASC' }],
    ['request_metadata.`x`', { field: 'metadata', name: 'x', direction: 'ASC' }],
    ['tag.`', { field: 'tag', name: '`', direction: 'ASC' }],
    ['tag.desc', { field: 'tag', name: 'desc', direction: 'ASC' }],
  ])('%j → first key %j', (item, first) => {
    expect(parseOrderBy([item])[0]).toEqual(first);
  });

  it('ends every order with the tie-breakers it does not name', () => {
    expect(parseOrderBy([])).toEqual([TS_DESC, ID_ASC]);
    expect(parseOrderBy(['status'])).toEqual([{ field: 'status', name: null, direction: 'ASC' }, TS_DESC, ID_ASC]);
    expect(parseOrderBy(['timestamp ASC'])).toEqual([{ field: 'timestamp_ms', name: null, direction: 'ASC' }, ID_ASC]);
    expect(parseOrderBy(['request_id DESC', 'tag.a'])).toEqual([
      { field: 'request_id', name: null, direction: 'DESC' },
      { field: 'tag', name: 'a', direction: 'ASC' },
      TS_DESC,
    ]);
    expect(parseOrderBy(['tag.a', 'tag.b', 'metadata.a'])).toHaveLength(5);
  });

  it.each<[string[], string]>([
    [['status', 'attributes.status DESC'], "order_by: the key in 'attributes.status DESC' is given twice"],
    [['tag.a', ' tags.a desc '], "order_by: the key in 'tags.a desc' is given twice"],
    [[''], "order_by: empty clause ''"],
    [['  DESC'], "order_by: Invalid order_by key 'DESC'"],
    [['tag. ASC'], "order_by: missing key in 'tag. ASC'"],
    [['tag.``'], "order_by: missing key in 'tag.``'"],
    [['bogus'], "order_by: Invalid order_by key 'bogus'; valid: timestamp_ms, execution_time_ms, status, request_id, name, run_id, experiment_id, tag.<key>, metadata.<key>, each optionally ASC or DESC"],
    [['.status'], "order_by: Invalid order_by key '.status'"],
    [['tag'], "order_by: Invalid order_by key 'tag'"],
    [['status\u0000'], "order_by: invalid character '\\u0000' in 'status\\u0000'"],
    [['status sideways'], "order_by: Invalid order_by key 'status sideways'"],
  ])('refuses %j', (items, message) => {
    let caught: unknown;
    try {
      parseOrderBy(items);
    } catch (error) {
      caught = error;
    }
    expect(isAssayError(caught, 'INVALID_PARAMETER_VALUE'), String(caught)).toBe(true);
    expect((caught as Error).message.startsWith(message), (caught as Error).message).toBe(true);
  });

  it('keeps a tag and a metadata key of the same name apart', () => {
    expect(parseOrderBy(['tag.k', 'metadata.k']).slice(0, 2)).toEqual([
      { field: 'tag', name: 'k', direction: 'ASC' },
      { field: 'metadata', name: 'k', direction: 'ASC' },
    ]);
  });
});
