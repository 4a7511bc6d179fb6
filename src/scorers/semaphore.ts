import { whenAborted } from './abort-listeners.ts';

/**
 * A counting semaphore whose waiters can give up through an AbortSignal. Waiters are served by
 * priority (lower first), in arrival order within one priority.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<{ grant: () => void; priority: number }> = [];

  constructor(readonly size: number) {
    this.available = size;
  }

  /** Slots taken right now. */
  get inUse(): number {
    return this.size - this.available;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal, priority = 0): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.available > 0) {
      this.available--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        priority,
        grant: () => {
          stopListening();
          resolve(this.releaser());
        },
      };
      const stopListening = signal
        ? whenAborted(signal, () => {
            const index = this.waiters.indexOf(waiter);
            if (index >= 0) this.waiters.splice(index, 1);
            reject(signal.reason);
          })
        : () => {};
      this.enqueue(waiter);
    });
  }

  /** After the last waiter of the same or a lower priority (most often the end: no search). */
  private enqueue(waiter: { grant: () => void; priority: number }): void {
    let at = this.waiters.length;
    while (at > 0 && this.waiters[at - 1]!.priority > waiter.priority) at--;
    this.waiters.splice(at, 0, waiter);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      // A double release would silently raise the limit; make it harmless instead.
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.available++;
    };
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (the timer is cleared). */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopListening();
      resolve();
    }, ms);
    const stopListening = signal
      ? whenAborted(signal, () => {
          clearTimeout(timer);
          reject(signal.reason);
        })
      : () => {};
  });
}
