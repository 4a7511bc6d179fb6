/**
 * Splits a filter string into tokens. The language is small enough that a hand-written scanner
 * gives better error messages than a grammar tool: every error quotes the text it stopped at.
 */
import { invalid } from '../errors.ts';

export type Token =
  /** An identifier or keyword; backticked sections are kept, with their backticks, in `text`. */
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  /** `=`, `!=`, `<`, `<=`, `>`, `>=`. */
  | { kind: 'symbol'; text: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ','; at: number };

const SYMBOL_CHARS = '=!<>~';
const VALID_SYMBOLS = new Set(['=', '!=', '<', '<=', '>', '>=']);
// Characters that end a word; `;` is refused outright rather than read as part of a key.
const WORD_STOP = new Set([...SYMBOL_CHARS, "'", '"', '(', ')', ',', ';']);
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** Shortens user text for a message, so a megabyte-long word does not become a megabyte-long error. */
export function quote(text: string): string {
  const short = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return `'${short}'`;
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'" || ch === '"') {
      const end = input.indexOf(ch, i + 1);
      if (end < 0) throw invalid(`Invalid string value ${quote(input.slice(i))}: missing closing ${ch}`);
      // Only the outer quotes go: nothing inside is unescaped (MLflow does the same).
      tokens.push({ kind: 'string', value: input.slice(i + 1, end), text: input.slice(i, end + 1), at: i });
      i = end + 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i += 1;
    } else if (SYMBOL_CHARS.includes(ch)) {
      let end = i;
      while (end < input.length && SYMBOL_CHARS.includes(input[end]!)) end += 1;
      const text = input.slice(i, end);
      if (!VALID_SYMBOLS.has(text)) throw invalid(`Invalid comparator ${quote(text)}`);
      tokens.push({ kind: 'symbol', text, at: i });
      i = end;
    } else if (ch === ';') {
      throw invalid(`Invalid character ';' at position ${i}: a filter is one statement of comparisons joined by AND`);
    } else {
      const number = scanNumber(input, i);
      if (number) {
        tokens.push(number);
        i += number.text.length;
      } else {
        const word = scanWord(input, i);
        tokens.push({ kind: 'word', text: word, at: i });
        i += word.length;
      }
    }
  }
  return tokens;
}

/** A number only when the whole word is one: `5abc` is a word, `-5` and `1e3` are numbers. */
function scanNumber(input: string, start: number): Token | undefined {
  const match = NUMBER.exec(input.slice(start, start + 400));
  if (!match) return undefined;
  const text = match[0];
  const next = input[start + text.length];
  if (next !== undefined && !/\s/.test(next) && !WORD_STOP.has(next)) return undefined;
  return { kind: 'number', value: Number(text), text, at: start };
}

function scanWord(input: string, start: number): string {
  let i = start;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '`') {
      const end = input.indexOf('`', i + 1);
      if (end < 0) throw invalid(`Invalid identifier ${quote(input.slice(start))}: missing closing backtick`);
      i = end + 1;
    } else if (/\s/.test(ch) || WORD_STOP.has(ch)) {
      break;
    } else {
      i += 1;
    }
  }
  return input.slice(start, i);
}
