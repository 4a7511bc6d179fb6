/**
 * Groups small writes into one statement: `add` resolves once the batch holding the item is
 * committed. A batch goes out when it is full or `maxWaitMs` after its first item, so a write is
 * never held back long — what the judge answered is stored within milliseconds, which is what
 * makes a crash cost at most the calls still in flight.
 */
export class BatchWriter<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxItems = 100,
    private readonly maxWaitMs = 20,
    /** One batch at a time: the next waits for the previous to commit (and grows meanwhile). */
    private readonly serial = false,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxItems) this.send();
      else this.timer ??= setTimeout(() => this.send(), this.maxWaitMs);
    });
  }

  /** Sends what is pending and waits for every batch sent so far. */
  async flush(): Promise<void> {
    this.send();
    await Promise.allSettled([...this.inFlight]);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const items = batch.map((p) => p.item);
    const attempt = this.serial ? this.last.then(() => this.write(items)) : this.write(items);
    const sent = attempt.then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
    this.last = sent;
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }
}
