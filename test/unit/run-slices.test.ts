/**
 * The one way runs split their work (round-robin by index) and the one feedback-key scheme. Keys
 * are compared word for word: stored keys are how a later run knows what was judged, so their shape
 * must never drift.
 */
import { describe, expect, it } from 'vitest';
import { draftKey, feedbackScope, rowFeedbackKey, rowKeyPrefix, sessionFeedbackKey, sessionKeyPrefix, traceFeedbackKey } from '../../src/domain/feedback-key.ts';
import { sliceCount, sliceOf } from '../../src/storage/run-repository.ts';

describe('slices', () => {
  it('deals items round-robin: every slice gets one before any gets two, sizes differ by one at most', () => {
    const slices = sliceCount(1001, 100);
    expect(slices).toBe(11);
    const sizes = new Array<number>(slices).fill(0);
    for (let i = 0; i < 1001; i++) sizes[sliceOf(i, slices)]! += 1;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1001);
    expect([0, 1, 10, 11, 12].map((i) => sliceOf(i, slices))).toEqual([0, 1, 10, 0, 1]);
  });

  it('makes no slice for no items and one for fewer items than a slice holds', () => {
    expect(sliceCount(0, 500)).toBe(0);
    expect(sliceCount(1, 500)).toBe(1);
    expect(sliceCount(500, 500)).toBe(1);
    expect(sliceCount(501, 500)).toBe(2);
    expect(sliceCount(3, 0)).toBe(3);
  });
});

describe('feedback keys', () => {
  it('keeps every stored shape word for word', () => {
    expect(traceFeedbackKey(7, 'safety', 'tr-ab')).toBe('monitor:7:safety:tr-ab');
    expect(traceFeedbackKey(7, 'retrieval_relevance', 'tr-ab', 2)).toBe('monitor:7:retrieval_relevance:tr-ab#2');
    expect(sessionKeyPrefix(7, 'user_frustration', 's-1')).toBe('monitor:7:user_frustration:session:s-1@');
    const session = { session_id: 's-1', turns: 3, last_trace_id: 'tr-cd' };
    expect(sessionFeedbackKey(7, 'user_frustration', session)).toBe('monitor:7:user_frustration:session:s-1@3:tr-cd');
    expect(sessionFeedbackKey(7, 'user_frustration', session, 1)).toBe('monitor:7:user_frustration:session:s-1@3:tr-cd#1');
    expect(rowKeyPrefix('run-1', 4)).toBe('evaluation:run-1:4:');
    expect(rowFeedbackKey('run-1', 4, 'correctness')).toBe('evaluation:run-1:4:correctness');
    expect(rowFeedbackKey('run-1', 4, 'correctness', 1)).toBe('evaluation:run-1:4:correctness#1');
  });

  it('starts every key of a monitor or an evaluation run with its scope', () => {
    expect(feedbackScope('monitor', 7)).toBe('monitor:7:');
    expect(feedbackScope('evaluation', 'run-1')).toBe('evaluation:run-1:');
    expect(traceFeedbackKey(7, 'safety', 'tr-ab').startsWith(feedbackScope('monitor', 7))).toBe(true);
    expect(rowFeedbackKey('run-1', 0, 'safety').startsWith(feedbackScope('evaluation', 'run-1'))).toBe(true);
    expect(draftKey('k', 0)).toBe('k');
  });
});
