/**
 * Turns at the one embedded Postgres backend.
 *
 * PGlite is a single backend: a transaction, an extended-protocol exchange (Parse … Sync) or an
 * error state belongs to the whole database, not to a connection. So whoever uses it — Assay's own
 * kysely connection, or one client of the SQL port — must have it to themselves from the first
 * statement of a transaction to its end; otherwise a client's query would run inside Assay's
 * transaction (or Assay's writes inside a client's, and roll back with it). The gate hands out
 * those turns first come, first served.
 */

export interface GateTurn {
  /** Who holds the turn, for messages: `assay` or `sql client #N`. */
  readonly holder: string;
  release(): void;
}

interface Waiter {
  holder: string;
  grant: (turn: GateTurn) => void;
  refuse: (error: Error) => void;
}

export class SessionGate {
  private current: string | undefined;
  private last: string | undefined;
  private readonly waiters: Waiter[] = [];

  /** Resolves when `holder` has the backend to itself; `release()` passes it on. */
  acquire(holder: string): Promise<GateTurn> {
    return new Promise<GateTurn>((grant, refuse) => {
      this.waiters.push({ holder, grant, refuse });
      this.next();
    });
  }

  /** Who holds it now (undefined: nobody). */
  get holder(): string | undefined {
    return this.current;
  }

  /** Who held the turn before the current holder (undefined: nobody yet). */
  get previous(): string | undefined {
    return this.last;
  }

  /** How many wait for a turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Refuses every waiting request of `holder` (its client went away). */
  cancel(holder: string, reason: Error): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.holder !== holder) continue;
      this.waiters.splice(i, 1);
      waiter.refuse(reason);
    }
  }

  private next(): void {
    if (this.current !== undefined) return;
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.current = waiter.holder;
    let released = false;
    waiter.grant({
      holder: waiter.holder,
      release: () => {
        if (released) return;
        released = true;
        this.last = this.current;
        this.current = undefined;
        this.next();
      },
    });
  }
}
