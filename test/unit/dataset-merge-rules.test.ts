/**
 * The merge_records rules a user relies on that the main merge tests leave open: a record created by
 * a merge, a record without a source, duplicates in a batch that carry different fields, and traces
 * without spans or with inputs that are not an object.
 */
import { describe, expect, it } from 'vitest';
import { collapseBatch, mergeRecord, resolveSource, traceToRecordInput } from '../../src/domain/dataset-merge.ts';
import type { DatasetRecord } from '../../src/domain/dataset-record.ts';
import type { StoredTrace } from '../../src/domain/trace.ts';

const now = new Date('2026-03-04T05:06:07Z');
const ctx = { user: 'erin', now, newId: () => 'dr-new' };

describe('a record created by a merge', () => {
  it('starts with empty expectations and tags, no outputs and no source when none are given', () => {
    expect(mergeRecord(undefined, { inputs: { q: 'x' } }, ctx)).toEqual({
      dataset_record_id: 'dr-new',
      inputs: { q: 'x' },
      outputs: null,
      expectations: {},
      tags: {},
      source: null,
      create_time: now,
      created_by: 'erin',
      last_update_time: now,
      last_updated_by: 'erin',
    });
  });

  it('takes what is given', () => {
    const created = mergeRecord(
      undefined,
      { inputs: { q: 'x' }, outputs: { a: 1 }, expectations: { e: true }, tags: { t: 'v' }, source: { document: { doc_uri: 'd' } } },
      ctx,
    );
    expect([created.outputs, created.expectations, created.tags, created.source]).toEqual([{ a: 1 }, { e: true }, { t: 'v' }, { document: { doc_uri: 'd' } }]);
  });
});

describe('merging into a record without a source', () => {
  const bare: DatasetRecord = {
    dataset_record_id: 'dr-1',
    inputs: { q: 'x' },
    outputs: 'kept',
    expectations: {},
    tags: {},
    source: null,
    create_time: new Date('2025-01-01T00:00:00Z'),
    created_by: 'ann',
    last_update_time: new Date('2025-01-01T00:00:00Z'),
    last_updated_by: 'ann',
  };

  it('takes the first source given and keeps it after', () => {
    const once = mergeRecord(bare, { inputs: { q: 'x' }, source: { trace: { trace_id: 'tr-1' } } }, ctx);
    expect(once.source).toEqual({ trace: { trace_id: 'tr-1' } });
    expect(mergeRecord(once, { inputs: { q: 'x' }, source: { trace: { trace_id: 'tr-2' } } }, ctx).source).toEqual({ trace: { trace_id: 'tr-1' } });
    expect(mergeRecord(bare, { inputs: { q: 'x' } }, ctx)).toEqual({ ...bare, last_update_time: now, last_updated_by: 'erin' });
  });
});

describe('duplicates in one batch', () => {
  it('keep the earlier outputs when a later duplicate gives none, and take a later null', () => {
    const [kept] = collapseBatch([{ inputs: { q: 1 }, outputs: 'first' }, { inputs: { q: 1 }, tags: { t: 'a' } }], 'u');
    expect(kept!.input).toEqual({ inputs: { q: 1 }, outputs: 'first', tags: { t: 'a' } });
    const [replaced] = collapseBatch([{ inputs: { q: 1 }, outputs: 'first' }, { inputs: { q: 1 }, outputs: null }], 'u');
    expect(replaced!.input).toEqual({ inputs: { q: 1 }, outputs: null });
  });

  it('merge tags key by key and take the source of a later duplicate when the first had none', () => {
    const [merged] = collapseBatch(
      [
        { inputs: { q: 1 }, tags: { a: '1', b: '1' } },
        { inputs: { q: 1 }, tags: { b: '2' }, source: { document: { doc_uri: 'later' } } },
        { inputs: { q: 1 }, source: { document: { doc_uri: 'last' } } },
      ],
      'u',
    );
    expect(merged!.input).toEqual({ inputs: { q: 1 }, tags: { a: '1', b: '2' }, source: { document: { doc_uri: 'later' } } });
  });

  it('give each distinct input its hash and leave a lone input as it came', () => {
    const out = collapseBatch([{ inputs: { q: 1 } }, { inputs: { q: 2 }, expectations: {} }], 'u');
    expect(out.map((c) => c.input)).toEqual([{ inputs: { q: 1 } }, { inputs: { q: 2 }, expectations: {} }]);
    expect(out[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(out[0]!.hash).not.toBe(out[1]!.hash);
    expect(resolveSource({ inputs: {} }, 'u')).toBeUndefined();
  });
});

describe('a trace as a record', () => {
  const trace = (info: object, spans: object[]) => ({ info: { trace_id: 'tr-9', ...info }, spans, assessments: [] }) as unknown as StoredTrace;

  it("uses the trace's request and response when it has no root span", () => {
    expect(traceToRecordInput(trace({ request: { q: 'hi' }, response: 'hello' }, [{ parent_span_id: 's0', inputs: { no: 1 }, outputs: 'child' }]))).toEqual({
      inputs: { q: 'hi' },
      outputs: 'hello',
      source: { trace: { trace_id: 'tr-9' } },
    });
  });

  it('keeps inputs that are not an object under request, and leaves out missing inputs and outputs', () => {
    expect(traceToRecordInput(trace({ request: null, response: null }, [])).inputs).toEqual({});
    expect(traceToRecordInput(trace({}, [])).inputs).toEqual({});
    const fromList = traceToRecordInput(trace({}, [{ parent_span_id: null, inputs: ['a', 'b'], outputs: null }]));
    expect(fromList).toEqual({ inputs: { request: ['a', 'b'] }, source: { trace: { trace_id: 'tr-9' } } });
    expect(traceToRecordInput(trace({}, [{ parent_span_id: null, inputs: 0, outputs: 0 }]))).toMatchObject({ inputs: { request: 0 }, outputs: 0 });
    expect(traceToRecordInput(trace({}, [{ parent_span_id: null, inputs: '', outputs: false }]))).toMatchObject({ inputs: { request: '' }, outputs: false });
  });
});
