/**
 * How one failed judge attempt is treated: every failure is rate-limited (wait as told), transient
 * (back off and retry) or unrecoverable (stop). Kept apart from the client so the policy reads in one place.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { redactSecrets } from './judge-backoff.ts';

export { backoffMs, redactSecrets } from './judge-backoff.ts';

export type FailureClass =
  | { kind: 'rate_limited'; retryAfterMs: number | null; message: string }
  | { kind: 'transient'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'response_format_refused'; message: string }
  | { kind: 'unrecoverable'; message: string };

/** Classifies an error thrown by the openai package for one attempt. */
export function classifyFailure(error: unknown, sentResponseFormat: boolean): FailureClass {
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', message: 'judge call timed out' };
  if (error instanceof APIError && error.status === undefined) {
    return { kind: 'transient', message: `connection error: ${messageOf(error)}` };
  }
  if (error instanceof APIConnectionError) return { kind: 'transient', message: `connection error: ${messageOf(error)}` };
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const message = `judge endpoint answered ${status}: ${messageOf(error)}`;
    if (status === 429) return { kind: 'rate_limited', retryAfterMs: retryAfterMs(error.headers), message };
    if (status === 400 && sentResponseFormat && /response_format|json_object|json mode/i.test(JSON.stringify(error.error ?? '') + error.message)) {
      return { kind: 'response_format_refused', message };
    }
    if (status === 408 || status === 409 || status >= 500) return { kind: 'transient', message };
    return { kind: 'unrecoverable', message };
  }
  return { kind: 'transient', message: messageOf(error) };
}

/** Milliseconds a 429 asks us to wait: `retry-after-ms`, `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | null {
  if (!headers) return null;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function messageOf(error: unknown): string {
  const text = redactSecrets(error instanceof Error ? error.message : String(error));
  // Error bodies are the endpoint's words; keep them short in feedback and logs.
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
