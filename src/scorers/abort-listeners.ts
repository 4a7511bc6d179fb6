/**
 * Abort listeners for signals many callers wait on at once (a chunk's signal, shared by every judge
 * call it has in flight). EventTarget's add and remove each walk every listener the signal holds, so
 * a hundred callers adding and removing their own cost a hundred steps a call; here a signal gets one
 * listener, and callers come and go from a set.
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `onAbort` once if `signal` aborts; the returned function takes it off again. */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  let callers = waiting.get(signal);
  if (!callers) {
    const created = new Set<() => void>();
    waiting.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const caller of created) caller();
      },
      { once: true },
    );
    callers = created;
  }
  // Its own entry, so one function registered twice is called twice and removed once.
  const entry = () => onAbort();
  callers.add(entry);
  return () => callers.delete(entry);
}
