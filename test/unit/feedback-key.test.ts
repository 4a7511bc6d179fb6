/** Feedback keys: the exact stored shapes (later runs find what was judged by them). */
import { describe, expect, it } from 'vitest';
import {
  draftKey,
  feedbackScope,
  rowFeedbackKey,
  rowKeyPrefix,
  sessionFeedbackKey,
  sessionKeyPrefix,
  traceFeedbackKey,
} from '../../src/domain/feedback-key.ts';

describe('feedback keys', () => {
  it('scopes keys by monitor experiment or evaluation run', () => {
    expect(feedbackScope('monitor', 7)).toBe('monitor:7:');
    expect(feedbackScope('evaluation', 'run-1')).toBe('evaluation:run-1:');
  });

  it('keys a monitored trace by experiment, scorer and trace', () => {
    expect(traceFeedbackKey(7, 'safety', 'tr-1')).toBe('monitor:7:safety:tr-1');
  });

  it('gives each extra draft of a multi-feedback scorer its own #n key, the first none', () => {
    const keys = [0, 1, 2].map((i) => traceFeedbackKey(7, 'retrieval_relevance', 'tr-1', i));
    expect(keys).toEqual(['monitor:7:retrieval_relevance:tr-1', 'monitor:7:retrieval_relevance:tr-1#1', 'monitor:7:retrieval_relevance:tr-1#2']);
    expect(draftKey('k', 0)).toBe('k');
    expect(draftKey('k', 3)).toBe('k#3');
  });

  it('keys a session version by its turns and last trace, under a prefix shared by every version', () => {
    const session = { session_id: 's-1', turns: 3, last_trace_id: 'tr-9' };
    expect(sessionKeyPrefix(7, 'coherence', 's-1')).toBe('monitor:7:coherence:session:s-1@');
    expect(sessionFeedbackKey(7, 'coherence', session)).toBe('monitor:7:coherence:session:s-1@3:tr-9');
    expect(sessionFeedbackKey(7, 'coherence', session, 2)).toBe('monitor:7:coherence:session:s-1@3:tr-9#2');
    expect(sessionFeedbackKey(7, 'coherence', { ...session, turns: 4, last_trace_id: 'tr-10' })).not.toBe(sessionFeedbackKey(7, 'coherence', session));
  });

  it('keys an evaluation row by run, row and scorer', () => {
    expect(rowKeyPrefix('run-1', 4)).toBe('evaluation:run-1:4:');
    expect(rowFeedbackKey('run-1', 4, 'correctness')).toBe('evaluation:run-1:4:correctness');
    expect(rowFeedbackKey('run-1', 4, 'retrieval_relevance', 1)).toBe('evaluation:run-1:4:retrieval_relevance#1');
  });

  it('keeps the keys of different pairs apart', () => {
    const keys = new Set([
      traceFeedbackKey(1, 'a', 't'),
      traceFeedbackKey(2, 'a', 't'),
      traceFeedbackKey(1, 'b', 't'),
      traceFeedbackKey(1, 'a', 'u'),
      traceFeedbackKey(1, 'a', 't', 1),
      rowFeedbackKey('1', 0, 'a'),
    ]);
    expect(keys.size).toBe(6);
  });
});
