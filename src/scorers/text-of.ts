/**
 * Plain text from the JSON payloads applications send: chat messages, OpenAI responses, LangChain-style
 * dicts or plain strings. Judges read text, so every payload shape is reduced to what a person would read.
 */
import type { JsonValue } from '../domain/trace.ts';

type Side = 'request' | 'response';

const REQUEST_KEYS = ['query', 'question', 'input', 'prompt', 'request', 'user_input', 'text', 'content'];
const RESPONSE_KEYS = ['response', 'answer', 'output', 'result', 'content', 'text', 'completion'];

/** The readable text of a request or response payload; JSON text when no known shape matches. */
export function textOf(value: JsonValue | null | undefined, side: Side): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const found = side === 'request' ? requestText(value) : responseText(value);
  return found ?? JSON.stringify(value);
}

function requestText(value: JsonValue[] | { [key: string]: JsonValue }): string | null {
  if (Array.isArray(value)) return lastMessage(value, ['user', 'human']);
  const messages = value.messages ?? value.input;
  if (Array.isArray(messages)) {
    const text = lastMessage(messages, ['user', 'human']);
    if (text !== null) return text;
  }
  return byKeys(value, REQUEST_KEYS);
}

function responseText(value: JsonValue[] | { [key: string]: JsonValue }): string | null {
  if (Array.isArray(value)) return lastMessage(value, ['assistant', 'ai', 'model']);
  const choices = value.choices;
  if (Array.isArray(choices) && choices.length > 0) {
    const first = choices[0];
    if (isObject(first)) {
      const text = isObject(first.message) ? contentText(first.message.content) : contentText(first.text);
      if (text !== null) return text;
    }
  }
  // OpenAI Responses API: output: [{type: 'message', content: [{type: 'output_text', text}]}]
  if (typeof value.output_text === 'string') return value.output_text;
  for (const key of ['messages', 'output']) {
    const list = value[key];
    if (Array.isArray(list)) {
      const text = lastMessage(list, ['assistant', 'ai', 'model']);
      if (text !== null) return text;
    }
  }
  return byKeys(value, RESPONSE_KEYS);
}

/** Content of the last message whose role is one of `roles` (chat lists, OpenAI and gen_ai shapes). */
function lastMessage(list: JsonValue[], roles: string[]): string | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const message = list[i];
    if (!isObject(message)) continue;
    const role = typeof message.role === 'string' ? message.role : typeof message.type === 'string' ? message.type : '';
    if (!roles.includes(role.toLowerCase())) continue;
    const text = contentText(message.content ?? message.parts ?? null);
    if (text !== null && text !== '') return text;
  }
  return null;
}

/** A message content: a string, or a list of parts ({type: 'text', text} or gen_ai {content}). */
function contentText(content: JsonValue | undefined): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts = content
    .map((part) => {
      if (typeof part === 'string') return part;
      if (!isObject(part)) return null;
      if (typeof part.text === 'string') return part.text;
      if (typeof part.content === 'string') return part.content;
      return null;
    })
    .filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join('\n') : null;
}

function byKeys(value: { [key: string]: JsonValue }, keys: string[]): string | null {
  for (const key of keys) {
    const inner = value[key];
    if (typeof inner === 'string') return inner;
  }
  const entries = Object.values(value);
  // A single-field object such as {"q": "..."} is its field.
  if (entries.length === 1 && typeof entries[0] === 'string') return entries[0];
  return null;
}

export function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
