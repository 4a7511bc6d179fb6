/** The console's own logic: verdict chips, span trees, chat and document detection, time ranges, field errors. */
import { describe, expect, it } from 'vitest';
import { chatMessages, retrievedDocuments } from '../../../src/web/src/lib/chat.ts';
import { feedbackNames, formatCost, formatDuration, verdictOf, verdictRank } from '../../../src/web/src/lib/feedback.ts';
import { fieldErrors } from '../../../src/web/src/lib/field-errors.ts';
import { spanTree } from '../../../src/web/src/lib/span-tree.ts';
import { combineFilters, rangeBounds, rangeFilter } from '../../../src/web/src/lib/time-range.ts';

describe('verdicts', () => {
  it('shows yes/no as pass/fail, numbers as numbers and errors as errors', () => {
    expect(verdictOf({ feedback: { value: 'yes' } })).toEqual({ kind: 'pass', label: 'yes' });
    expect(verdictOf({ feedback: { value: false } })).toEqual({ kind: 'fail', label: 'no' });
    expect(verdictOf({ feedback: { value: 0.8123 } })).toEqual({ kind: 'number', label: '0.812', value: 0.8123 });
    expect(verdictOf({ feedback: { value: null, error: { error_code: 'RATE_LIMITED', error_message: 'x' } } })).toEqual({ kind: 'error', label: 'RATE_LIMITED' });
    expect(verdictOf({ expectation: { value: ['a fact'] } })).toEqual({ kind: 'text', label: '["a fact"]' });
  });

  it('sorts errors and fails before passes', () => {
    const ranks = [verdictOf({ feedback: { value: 'yes' } }), verdictOf({ feedback: { value: 'no' } }), verdictOf({ feedback: { value: 3 } })].map(verdictRank);
    expect(ranks[1]).toBeLessThan(ranks[2]!);
    expect(ranks[2]).toBeLessThan(ranks[0]!);
  });

  it('lists the valid feedback names of a page once each', () => {
    const traces = [
      { assessments: [{ assessment_name: 'safety', valid: true, feedback: {} }, { assessment_name: 'old', valid: false, feedback: {} }] },
      { assessments: [{ assessment_name: 'safety', valid: true, feedback: {} }, { assessment_name: 'expected_response', valid: true }] },
      { assessments: [{ assessment_name: 'groundedness', valid: true, feedback: {} }] },
    ];
    expect(feedbackNames(traces)).toEqual(['groundedness', 'safety']);
  });

  it('formats costs and durations', () => {
    expect(formatCost(null)).toBe('—');
    expect(formatCost(0.00042)).toBe('$0.00042');
    expect(formatCost(1.5)).toBe('$1.50');
    expect(formatDuration(950)).toBe('950 ms');
    expect(formatDuration(2500)).toBe('2.50 s');
    expect(formatDuration(125_000)).toBe('2 m 5 s');
  });
});

describe('span tree', () => {
  const span = (id: string, parent: string | null, start: number, end: number | null) => ({
    span_id: id, parent_span_id: parent, name: id,
    start_time_unix_nano: String(BigInt(start) * 1_000_000n), end_time_unix_nano: end === null ? null : String(BigInt(end) * 1_000_000n),
  });

  it('orders spans depth first by start time, with offsets on the trace timeline', () => {
    const { rows, totalMs } = spanTree([span('c', 'a', 1050, 1100), span('a', null, 1000, 1200), span('b', 'a', 1010, 1040), span('d', 'b', 1020, 1030)]);
    expect(totalMs).toBe(200);
    expect(rows.map((r) => [r.span.span_id, r.depth])).toEqual([['a', 0], ['b', 1], ['d', 2], ['c', 1]]);
    const c = rows.find((r) => r.span.span_id === 'c')!;
    expect(c.startMs).toBe(50);
    expect(c.durationMs).toBe(50);
    expect(c.left).toBeCloseTo(0.25);
    expect(c.width).toBeCloseTo(0.25);
  });

  it('keeps a span whose parent is missing, as a root, and an unfinished span', () => {
    const { rows } = spanTree([span('x', 'gone', 0, 10), span('y', null, 5, null)]);
    expect(rows.map((r) => r.span.span_id)).toEqual(['x', 'y']);
    expect(rows[1]!.durationMs).toBeNull();
  });
});

describe('chat and documents', () => {
  it('reads OpenAI-style messages, choices and tool calls', () => {
    expect(chatMessages({ messages: [{ role: 'user', content: 'hi' }] })).toEqual([{ role: 'user', content: 'hi', toolCalls: [] }]);
    expect(chatMessages({ choices: [{ message: { role: 'assistant', content: null, tool_calls: [{ id: 't1', function: { name: 'lookup', arguments: '{"q":1}' } }] } }] }))
      .toEqual([{ role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'lookup', arguments: '{"q":1}' }] }]);
    expect(chatMessages({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] })?.[0]?.content).toBe('a\nb');
    expect(chatMessages({ query: 'not a chat' })).toBeNull();
    expect(chatMessages([{ no_role: true }])).toBeNull();
  });

  it('reads retrieved documents with their uri and score', () => {
    expect(retrievedDocuments([{ page_content: 'text', metadata: { doc_uri: 'docs/a.md', score: 0.9 } }])).toEqual([{ content: 'text', docUri: 'docs/a.md', score: 0.9 }]);
    expect(retrievedDocuments([{ content: 'c', doc_uri: 'u' }])).toEqual([{ content: 'c', docUri: 'u', score: null }]);
    expect(retrievedDocuments([{ unrelated: 1 }])).toBeNull();
    expect(retrievedDocuments('text')).toBeNull();
  });
});

describe('time range', () => {
  const now = 1_700_000_000_000;
  it('turns the URL range into bounds and a filter clause joined to the user filter', () => {
    expect(rangeBounds({ range: '1h' }, now)).toEqual({ from: now - 3_600_000 });
    expect(rangeBounds({}, now)).toEqual({});
    expect(rangeBounds({ range: 'custom', from: 5, to: 9 }, now)).toEqual({ from: 5, to: 9 });
    expect(rangeFilter({ from: 5, to: 9 })).toBe('timestamp_ms >= 5 AND timestamp_ms < 9');
    expect(combineFilters("tags.a = 'b'", 'timestamp_ms >= 5')).toBe("timestamp_ms >= 5 AND tags.a = 'b'");
    expect(combineFilters('  ', '')).toBeUndefined();
  });
});

describe('field errors', () => {
  it('places each part of a validation message by its field', () => {
    const errors = fieldErrors("scorers[0].sample_rate: must be in [0, 1]; interval_minutes: too small; other: reason");
    expect(errors.byField('scorers[0]')).toEqual(['scorers[0].sample_rate: must be in [0, 1]']);
    expect(errors.byField('interval_minutes')).toEqual(['interval_minutes: too small']);
    expect(errors.byField('scorers[1]')).toBeUndefined();
    expect(errors.unplaced).toEqual(['other: reason']);
  });
});
