/** Runs `work` over items with at most `limit` in flight; stops starting new ones once aborted. */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * Like `runPool`, over items `next` hands out one at a time until it returns undefined (e.g. rows
 * read a page at a time), so the lanes never wait for the last item of one page before the next.
 */
export async function runPoolFrom<T>(
  next: () => Promise<T | undefined>,
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const lanes = Array.from({ length: Math.max(1, limit) }, async () => {
    for (;;) {
      signal?.throwIfAborted();
      const item = await next();
      if (item === undefined) return;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
