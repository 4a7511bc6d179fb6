/** Turning a judge's text answer into JSON: fences stripped, prose around the object tolerated. */
import type { JsonValue } from '../domain/trace.ts';

const FENCE = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/;

/** The text without a surrounding Markdown code fence. */
export function stripFences(text: string): string {
  const trimmed = text.trim();
  const match = FENCE.exec(trimmed);
  return match ? (match[1] ?? '').trim() : trimmed;
}

/** The JSON object in a judge's answer, or null when there is none. */
export function parseJudgeJson(text: string): { [key: string]: JsonValue } | null {
  const body = stripFences(text);
  const direct = tryObject(body);
  if (direct) return direct;
  // Some models wrap the object in a sentence; take the outermost braces.
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  return start >= 0 && end > start ? tryObject(body.slice(start, end + 1)) : null;
}

function tryObject(text: string): { [key: string]: JsonValue } | null {
  try {
    const value = JSON.parse(text) as JsonValue;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
