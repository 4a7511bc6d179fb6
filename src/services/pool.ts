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
