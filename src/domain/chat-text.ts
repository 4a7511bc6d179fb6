/**
 * The human-readable text inside a request or response payload: the last user message of a chat
 * request, the assistant's answer of a chat response, or the obvious string field of a plain
 * payload. Previews and scorers both read payloads through this one place.
 */

/** Which end of an exchange a payload is. */
export type TextSide = 'request' | 'response';

/** Previews are cut to this many characters, `...` included. */
export const PREVIEW_MAX_CHARS = 1000;

type Obj = Record<string, unknown>;

const USER_ROLES = new Set(['user', 'human']);
const ASSISTANT_ROLES = new Set(['assistant', 'ai', 'model', 'bot']);
// LangChain messages say `type` where OpenAI says `role`.
const MESSAGE_TYPES = new Set(['human', 'ai', 'system', 'tool', 'user', 'assistant']);
// Searched in this order: the more specific names first.
const REQUEST_KEYS = ['messages', 'query', 'question', 'input', 'prompt', 'inputs', 'request', 'user_input', 'text', 'message'];
const RESPONSE_KEYS = ['messages', 'output_text', 'answer', 'final_answer', 'output', 'response', 'result', 'completion', 'outputs', 'text', 'message'];
const MAX_DEPTH = 5;

/**
 * The text a reader would call the question (`request`) or the answer (`response`) of `value`, or
 * null when there is no such text.
 */
export function extractText(value: unknown, side: TextSide): string | null {
  return side === 'request' ? requestText(value, 0) : responseText(value, 0);
}

/**
 * The preview of a payload: its extracted text, else its JSON text; at most 1,000 characters, cut
 * with `...`. null for a missing payload.
 */
export function computePreview(value: unknown, side: TextSide): string | null {
  if (value === null || value === undefined) return null;
  const text = extractText(value, side) ?? (typeof value === 'string' ? value : JSON.stringify(value));
  return truncate(text, PREVIEW_MAX_CHARS);
}

/** `text` cut to `max` characters with `...`, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 3);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}...`;
}

function requestText(value: unknown, depth: number): string | null {
  if (typeof value === 'string') return value;
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) return lastMessageText(value, USER_ROLES);
  if (!isObject(value)) return null;
  if (isMessage(value)) return contentText(value);
  return byKeys(value, REQUEST_KEYS, (v) => requestText(v, depth + 1));
}

function responseText(value: unknown, depth: number): string | null {
  if (typeof value === 'string') return value;
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) return lastMessageText(value, ASSISTANT_ROLES) ?? outputItemsText(value);
  if (!isObject(value)) return null;
  if (Array.isArray(value.choices)) return choiceText(value.choices[0]);
  if (isMessage(value) || Array.isArray(value.content)) return contentText(value);
  return byKeys(value, RESPONSE_KEYS, (v) => responseText(v, depth + 1));
}

/** The first of `keys` that yields text; an object with a single field is read through that field. */
function byKeys(value: Obj, keys: readonly string[], read: (v: unknown) => string | null): string | null {
  for (const key of keys) {
    if (!(key in value)) continue;
    const text = read(value[key]);
    if (text !== null) return text;
  }
  const entries = Object.values(value);
  return entries.length === 1 ? read(entries[0]) : null;
}

/** OpenAI chat completions (`message`) and legacy completions (`text`). */
function choiceText(choice: unknown): string | null {
  if (!isObject(choice)) return null;
  if (isObject(choice.message)) return contentText(choice.message);
  if (isObject(choice.delta)) return contentText(choice.delta);
  return typeof choice.text === 'string' ? choice.text : null;
}

/** The OpenAI Responses API `output` list: the text of its message items. */
function outputItemsText(items: unknown[]): string | null {
  const texts = items.filter((i) => isObject(i) && i.type === 'message').map((i) => contentText(i as Obj));
  const present = texts.filter((t): t is string => t !== null);
  return present.length > 0 ? present.join('\n') : null;
}

function lastMessageText(messages: unknown[], roles: ReadonlySet<string>): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isObject(message) && roles.has(roleOf(message))) return contentText(message);
  }
  return null;
}

/** A message's content as text: a string, or the text parts of a content list (OpenAI, Anthropic, GenAI `parts`). */
function contentText(message: Obj): string | null {
  const content = message.content ?? message.parts;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (isObject(part) && typeof part.text === 'string') texts.push(part.text);
    else if (isObject(part) && part.type === 'text' && typeof part.content === 'string') texts.push(part.content);
  }
  return texts.length > 0 ? texts.join('\n') : null;
}

function roleOf(message: Obj): string {
  const role = message.role ?? message.type;
  return typeof role === 'string' ? role.toLowerCase() : '';
}

function isMessage(value: Obj): boolean {
  if (typeof value.role === 'string') return 'content' in value || 'parts' in value;
  return typeof value.type === 'string' && MESSAGE_TYPES.has(value.type) && 'content' in value;
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
