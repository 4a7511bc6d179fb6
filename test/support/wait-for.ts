/**
 * Waiting in tests: poll a condition until it holds or a deadline passes. Tests wait for what a user
 * would observe (a row, a count, a log line), never for a fixed time.
 */

export interface WaitOptions {
  /** Give up after this long, ms. Default 10000. */
  timeoutMs?: number;
  /** Pause between checks, ms. Default 25. */
  intervalMs?: number;
  /** Said in the error when the deadline passes. */
  what?: string;
}

/** Resolves with the first truthy value `check` returns; rejects at the deadline. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** A promise with its resolve function outside, for "the handler has started" signals. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
