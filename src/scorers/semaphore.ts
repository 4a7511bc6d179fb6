/**
 * A counting semaphore whose waiters can give up through an AbortSignal. Waiters are served oldest
 * work first: each says when the work it belongs to began (`since`, default: when it asked), so the
 * slots go to one batch until it is done rather than being shared evenly among batches that would
 * then all finish, and all stop to prepare the next, at the same moment.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<{ grant: () => void; since: number }> = [];

  constructor(readonly size: number) {
    this.available = size;
  }

  /** Slots taken right now. */
  get inUse(): number {
    return this.size - this.available;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal, since = performance.timeOrigin + performance.now()): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.available > 0) {
      this.available--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        since,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // After every waiter whose work is as old or older (FIFO among equals); newest work usually goes last.
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.since > since) at--;
      this.waiters.splice(at, 0, waiter);
    });
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
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
