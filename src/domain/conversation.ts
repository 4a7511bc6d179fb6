/**
 * A conversation as session judges read it: turns of a user message and the assistant's answer,
 * written as `Turn N / User: … / Assistant: …` blocks. Monitors build the turns from a session's
 * traces; evaluation records from a list of chat messages (multi-turn records).
 */

export interface ConversationTurn {
  user: string;
  assistant: string;
}

/** A conversation longer than this is cut at the front: the judge reads its latest turns. */
export const MAX_CONVERSATION_CHARS = 60_000;

/** The CONVERSATION text a session judge reads. */
export function conversationText(turns: readonly ConversationTurn[]): string {
  const text = turns.map((t, i) => `Turn ${i + 1}\nUser: ${t.user}\nAssistant: ${t.assistant}`).join('\n\n');
  return text.length > MAX_CONVERSATION_CHARS ? `(earlier turns cut)\n…${text.slice(text.length - MAX_CONVERSATION_CHARS)}` : text;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const USER = new Set(['user', 'human']);
const ASSISTANT = new Set(['assistant', 'ai', 'model', 'bot']);

/** A list of chat messages: `[{role, content}, …]` itself, or an object's `messages`; else null. */
export function chatMessageList(inputs: unknown): Obj[] | null {
  const list = Array.isArray(inputs) ? inputs : isObj(inputs) && Array.isArray(inputs.messages) ? inputs.messages : null;
  if (!list || list.length === 0 || !list.every((m) => isObj(m) && typeof (m.role ?? m.type) === 'string')) return null;
  return list as Obj[];
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : isObj(p) && typeof p.text === 'string' ? p.text : '')).filter(Boolean).join('\n');
  return content === null || content === undefined ? '' : JSON.stringify(content);
}

/**
 * The turns of a multi-turn record: each user message opens a turn, the assistant messages after it
 * are its answer (system and tool messages are left out). When the last turn has no answer yet,
 * `finalAnswer` (the record's or the target's output) is its answer. Null without a user message.
 */
export function turnsFromMessages(inputs: unknown, finalAnswer: string | null): ConversationTurn[] | null {
  const messages = chatMessageList(inputs);
  if (!messages) return null;
  const turns: ConversationTurn[] = [];
  for (const m of messages) {
    const role = String(m.role ?? m.type).toLowerCase();
    const text = contentText(m.content);
    if (USER.has(role)) turns.push({ user: text, assistant: '' });
    else if (ASSISTANT.has(role) && turns.length > 0) {
      const last = turns[turns.length - 1]!;
      last.assistant = last.assistant ? `${last.assistant}\n${text}` : text;
    }
  }
  if (turns.length === 0) return null;
  const last = turns[turns.length - 1]!;
  if (last.assistant === '' && finalAnswer) last.assistant = finalAnswer;
  return turns;
}
