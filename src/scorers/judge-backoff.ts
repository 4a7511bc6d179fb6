/**
 * The parts of the judge's retry policy that need nothing from the `openai` package: how long to
 * wait before the next attempt, and what an endpoint's words must lose before they are kept. Apart
 * from judge-failure.ts so the judge client loads the package only when it first calls the judge.
 */

/** Exponential backoff with full jitter: 250 ms, 500 ms, 1 s … capped at 20 s. */
export function backoffMs(attempt: number, baseMs = 250, capMs = 20_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Key-shaped strings out of endpoint messages (OpenAI echoes part of a bad key in its 401 text). */
export function redactSecrets(text: string, apiKey?: string): string {
  const masked = apiKey && apiKey.length >= 4 ? text.replaceAll(apiKey, '[redacted]') : text;
  return masked.replace(/\b(sk|rk|pk)-[A-Za-z0-9_*-]{6,}/g, '$1-[redacted]');
}
