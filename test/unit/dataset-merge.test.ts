/** Canonical JSON, inputs hashing and the merge rules as pure functions. */
import { describe, expect, it } from 'vitest';
import { canonicalJson, inputsHash, sha256Hex } from '../../src/domain/canonical-json.ts';
import {
  collapseBatch,
  contentHash,
  EMPTY_DIGEST,
  mergeRecord,
  resolveSource,
  traceToRecordInput,
  updateDigest,
} from '../../src/domain/dataset-merge.ts';
import { parseDatasetName } from '../../src/domain/dataset-name.ts';
import { recordIdFor, recordSeqOf, type DatasetRecord } from '../../src/domain/dataset-record.ts';
import type { StoredTrace } from '../../src/domain/trace.ts';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [2, { d: 1, c: 0 }] }, '{"a":[2,{"c":0,"d":1}],"b":1}'],
    [{}, '{}'],
    [[], '[]'],
    ['é "q"\n', '"é \\"q\\"\\n"'],
    [1.0, '1'],
    [1e21, '1e+21'],
    [-0, '0'],
    [0.1, '0.1'],
    [null, 'null'],
    [{ B: 1, a: 2, _: 3, '10': 4, '9': 5 }, '{"10":4,"9":5,"B":1,"_":3,"a":2}'],
    [{ nested: { z: [true, false, null], y: { x: 'w' } } }, '{"nested":{"y":{"x":"w"},"z":[true,false,null]}}'],
  ])('%j → %s', (value, text) => {
    expect(canonicalJson(value as never)).toBe(text);
  });

  it('hashes inputs independently of key order and whitespace', () => {
    const a = inputsHash({ question: 'q', context: { b: 2, a: 1 } });
    const b = inputsHash(JSON.parse('{ "context" : {"a":1 ,"b":2}, "question":"q" }'));
    expect(a).toBe(b);
    // SHA-256 of the UTF-8 bytes of '{"context":{"a":1,"b":2},"question":"q"}', computed outside this code base.
    expect(a).toBe('6df4dd383204d62d43efd7d03a2530a9975e2ecd2545f7520407b0f589bb431c');
    expect(inputsHash({ question: 'Q' })).not.toBe(inputsHash({ question: 'q' }));
    expect(inputsHash({ n: 1 })).not.toBe(inputsHash({ n: '1' }));
  });

  // Digests of the UTF-8 bytes, written out: hashing latin1 would turn 'ĩ' (U+0129) into ')' (0x29).
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['{"q":"ĩ"}', '953c90cbe3f00a40a819db51c88147c2a036193b4b89cb20f436799d50844d18'],
    ['{"q":")"}', '9f43d32c0e79770fb405f651b8c3e7618f516cdb23c0d7bed62b91ae210064a5'],
    ['{"a":"é","b":"日本語","c":"😀"}', '05c2e96d11183e7e6087fd347f457c717063d925f31619e31f49caeab6aac071'],
  ])('sha256Hex(%j) is the digest of its UTF-8 bytes', (text, digest) => {
    expect(sha256Hex(text)).toBe(digest);
  });

  it('leaves out keys whose value is undefined', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: { d: undefined } } as never)).toBe('{"b":1,"c":{}}');
  });

  it('hashes non-ASCII inputs as UTF-8, so inputs that differ never collide', () => {
    expect(inputsHash({ q: 'ĩ' })).toBe('953c90cbe3f00a40a819db51c88147c2a036193b4b89cb20f436799d50844d18');
    expect(inputsHash({ q: ')' })).toBe('9f43d32c0e79770fb405f651b8c3e7618f516cdb23c0d7bed62b91ae210064a5');
    expect(inputsHash({ c: '😀', b: '日本語', a: 'é' })).toBe('05c2e96d11183e7e6087fd347f457c717063d925f31619e31f49caeab6aac071');
  });
});

const now = new Date('2026-01-02T00:00:00Z');
let counter = 0;
const ctx = (user: string) => ({ user, now, newId: () => `dr-${++counter}` });

describe('record and version digests, written out', () => {
  // Computed outside this code base: SHA-256 of inputsHash + '\n' + canonical JSON of {outputs, expectations, tags, source}.
  const ih = '953c90cbe3f00a40a819db51c88147c2a036193b4b89cb20f436799d50844d18'; // inputsHash({ q: 'ĩ' })
  const first = '05dc3f89aaa10bb5302082a82ad2d9cf1b0e0899d78293570bb24a1ad1e83bc8';
  const second = 'c754033fb3aa1c4cad82b52bba4a8c04723177268aedf766b16ad4eb182f65f7';

  it('hashes what a record says', () => {
    expect(contentHash(ih, { outputs: 'réponse', expectations: { a: 1 }, tags: { t: '1' }, source: null })).toBe(first);
    expect(contentHash(ih, { tags: {}, source: { human: { user_name: 'bob' } }, expectations: {}, outputs: null })).toBe(second);
  });

  it('XORs content hashes into the version digest, in any order, padded to 64 digits', () => {
    expect(EMPTY_DIGEST).toBe('0'.repeat(64));
    expect(updateDigest(EMPTY_DIGEST, [], [first])).toBe(first);
    expect(updateDigest(EMPTY_DIGEST, [], [first, second])).toBe('c2883cb6190b17f99da23783909855cb693f7fbf5d6f6431bad89ef1c9c75e3f');
    expect(updateDigest('c2883cb6190b17f99da23783909855cb693f7fbf5d6f6431bad89ef1c9c75e3f', [second], [])).toBe(first);
    expect(updateDigest(first, [first], [])).toBe(EMPTY_DIGEST);
    expect(updateDigest('0f'.repeat(32), ['0f' + '00'.repeat(31)], [])).toBe('000f' + '0f'.repeat(30));
  });
});

describe('merge rules', () => {
  const existing: DatasetRecord = {
    dataset_record_id: 'dr-x',
    inputs: { q: 1 },
    outputs: 'old',
    expectations: { a: 1, b: 1 },
    tags: { t: '1' },
    source: { document: { doc_uri: 'd' } },
    create_time: new Date('2025-01-01T00:00:00Z'),
    created_by: 'alice',
    last_update_time: new Date('2025-01-01T00:00:00Z'),
    last_updated_by: 'alice',
  };

  it('merges expectations and tags key by key, replaces outputs, keeps source and creation', () => {
    const merged = mergeRecord(existing, { inputs: { q: 1 }, outputs: null, expectations: { b: 2, c: 3 }, tags: { u: '2' }, source: { human: { user_name: 'bob' } } }, ctx('bob'));
    expect(merged).toEqual({
      ...existing,
      outputs: null,
      expectations: { a: 1, b: 2, c: 3 },
      tags: { t: '1', u: '2' },
      last_update_time: now,
      last_updated_by: 'bob',
    });
  });

  it('keeps outputs when none are given and changes nothing for empty objects', () => {
    const merged = mergeRecord(existing, { inputs: { q: 1 }, expectations: {}, tags: {} }, ctx('bob'));
    expect([merged.outputs, merged.expectations, merged.tags]).toEqual(['old', existing.expectations, existing.tags]);
  });

  it('defaults the source to the caller only when there are expectations', () => {
    expect(resolveSource({ inputs: {}, expectations: { a: 1 } }, 'carol')).toEqual({ human: { user_name: 'carol' } });
    expect(resolveSource({ inputs: {}, expectations: {} }, 'carol')).toBeUndefined();
    expect(resolveSource({ inputs: {}, expectations: { a: 1 }, source: { trace: { trace_id: 't' } } }, 'c')).toEqual({ trace: { trace_id: 't' } });
  });

  it('collapses duplicates in a batch in order, first source winning', () => {
    const out = collapseBatch(
      [
        { inputs: { b: 1, a: 2 }, tags: { x: '1' } },
        { inputs: { z: 0 } },
        { inputs: { a: 2, b: 1 }, expectations: { e: 1 }, outputs: 'o1' },
        { inputs: { a: 2, b: 1 }, expectations: { e: 2 }, source: { document: { doc_uri: 'u' } } },
      ],
      'dan',
    );
    expect(out).toHaveLength(2);
    expect(out[0]!.input).toEqual({ inputs: { b: 1, a: 2 }, tags: { x: '1' }, expectations: { e: 2 }, outputs: 'o1', source: { human: { user_name: 'dan' } } });
    expect(out[1]!.input).toEqual({ inputs: { z: 0 } });
  });

  it('turns a trace into a record with its valid expectations and a trace source', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const a = (name: string, kind: 'feedback' | 'expectation', value: string, valid: boolean, s: number) =>
      ({ name, kind, value, valid, create_time: at(s) }) as StoredTrace['assessments'][number];
    const trace = {
      info: { trace_id: 'tr-1', request: 'ignored', response: null },
      spans: [{ parent_span_id: null, inputs: 'plain text', outputs: { answer: 'x' } }],
      assessments: [
        a('expected_response', 'expectation', 'new', true, 2),
        a('expected_response', 'expectation', 'old', true, 1),
        a('gone', 'expectation', 'no', false, 1),
        a('rating', 'feedback', 'yes', true, 1),
      ],
    } as unknown as StoredTrace;
    expect(traceToRecordInput(trace)).toEqual({
      inputs: { request: 'plain text' },
      outputs: { answer: 'x' },
      expectations: { expected_response: 'new' },
      source: { trace: { trace_id: 'tr-1' } },
    });
  });

  it('keeps a digest that is order-free and updates incrementally', () => {
    const hash = inputsHash(existing.inputs);
    const h = [contentHash(hash, existing), contentHash(hash, { ...existing, outputs: 'new' }), contentHash(inputsHash({ q: 2 }), existing)];
    const all = updateDigest(EMPTY_DIGEST, [], h);
    expect(updateDigest(EMPTY_DIGEST, [], [h[2]!, h[0]!, h[1]!])).toBe(all);
    expect(updateDigest(all, [h[1]!], [])).toBe(updateDigest(EMPTY_DIGEST, [], [h[0]!, h[2]!]));
    const byOther: DatasetRecord = { ...existing, created_by: 'someone else', last_update_time: now };
    expect(contentHash(hash, byOther)).toBe(h[0]);
  });
});

describe('dataset names', () => {
  it('lower-cases schema.table and refuses the rest', () => {
    expect(parseDatasetName('Evals.Golden_Set')).toEqual({ full: 'evals.golden_set', schema: 'evals', table: 'golden_set' });
    for (const bad of ['x', 'a.b.c', '9a.b', 'a.b;drop', 'assay.x', 'pg_temp.x', 'information_schema.x', '']) {
      expect(() => parseDatasetName(bad)).toThrow(/^name: /);
    }
  });
});

describe('record ids', () => {
  it('carry their order place and are MLflow-shaped', () => {
    const id = recordIdFor(0x1a2b, 'f'.repeat(20));
    expect(id).toBe(`dr-000000001a2b${'f'.repeat(20)}`);
    expect(id).toMatch(/^dr-[0-9a-f]{32}$/);
    expect(recordSeqOf(id)).toBe(0x1a2b);
    for (const other of ['dr-xyz', 'tr-000000001a2bffffffffffffffffffff', `dr-000000001a2b${'f'.repeat(21)}`]) {
      expect(recordSeqOf(other)).toBeUndefined();
    }
  });
});
