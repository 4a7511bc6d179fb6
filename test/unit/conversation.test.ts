/** Turns of a multi-turn record and the CONVERSATION text session judges read, worked out by hand. */
import { describe, expect, it } from 'vitest';
import { chatMessageList, conversationText, MAX_CONVERSATION_CHARS, turnsFromMessages } from '../../src/domain/conversation.ts';

describe('turns from chat messages', () => {
  it('opens a turn at each user message and leaves system and tool messages out', () => {
    const inputs = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'tool', content: '{"orders": []}' },
        { role: 'assistant', content: [{ type: 'text', text: 'No orders.' }] },
        { role: 'user', content: 'Refund?' },
      ],
    };
    expect(turnsFromMessages(inputs, 'Within 30 days.')).toEqual([
      { user: 'Hi', assistant: 'Hello!\nNo orders.' },
      { user: 'Refund?', assistant: 'Within 30 days.' },
    ]);
    // An answered last turn keeps its answer; LangChain's `type` counts as a role.
    expect(turnsFromMessages([{ type: 'human', content: 'a' }, { type: 'ai', content: 'b' }], 'c')).toEqual([{ user: 'a', assistant: 'b' }]);
  });

  it('is null for anything that is not a list of messages with a user message', () => {
    expect(turnsFromMessages({ question: 'hi' }, 'x')).toBeNull();
    expect(turnsFromMessages([], 'x')).toBeNull();
    expect(turnsFromMessages([{ content: 'no role' }], 'x')).toBeNull();
    expect(turnsFromMessages([{ role: 'system', content: 'only system' }], 'x')).toBeNull();
    expect(chatMessageList({ messages: 'text' })).toBeNull();
  });
});

describe('conversation text', () => {
  it('writes numbered turns and cuts a long conversation at the front', () => {
    expect(conversationText([{ user: 'a', assistant: 'b' }, { user: 'c', assistant: '' }])).toBe('Turn 1\nUser: a\nAssistant: b\n\nTurn 2\nUser: c\nAssistant: ');
    const long = conversationText(Array.from({ length: 2000 }, (_, i) => ({ user: `question ${i}`.padEnd(40, '.'), assistant: 'answer'.padEnd(40, '.') })));
    expect(long.startsWith('(earlier turns cut)\n…')).toBe(true);
    expect(long.length).toBe('(earlier turns cut)\n…'.length + MAX_CONVERSATION_CHARS);
    expect(long.endsWith(`Turn 2000\nUser: ${'question 1999'.padEnd(40, '.')}\nAssistant: ${'answer'.padEnd(40, '.')}`)).toBe(true);
  });
});
