/**
 * Judge calls whose feedback was not stored (the chunk failed, the process was stopping, the
 * database was away): their cost was paid all the same, so it is written on its own, and kept in
 * memory and retried while the database cannot take it. One per process.
 */
import type { AppContext } from './context.ts';
import { recordRunCalls, type RunCall } from '../storage/monitor-run-calls.ts';

/** One per process: keyed by its context, which the composition root builds once. */
const byContext = new WeakMap<AppContext, PendingRunCalls>();
const RETRY_MS = 1_000;
/** Past this, calls still unwritten are given up (logged with their numbers). */
const GIVE_UP_MS = 15 * 60_000;

export class PendingRunCalls {
  private rows: RunCall[] = [];
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** Writes the calls now if it can, else keeps them for the next try. Never rejects. */
  async add(calls: readonly RunCall[]): Promise<void> {
    if (calls.length === 0) return;
    this.rows.push(...calls);
    this.since ??= Date.now();
    await this.flush();
  }

  /** Tries to write what is pending; one write at a time. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.rows.length === 0) return;
    const batch = this.rows;
    this.rows = [];
    this.writing = recordRunCalls(this.ctx.db, batch).then(
      () => {
        if (this.rows.length === 0) this.since = undefined;
      },
      (error: unknown) => {
        if (Date.now() - (this.since ?? Date.now()) > GIVE_UP_MS) {
          const calls = batch.reduce((n, r) => n + r.judge_calls, 0);
          this.ctx.log.error({ err: error, judge_calls: calls, rows: batch.length }, 'giving up recording judge calls of failed attempts');
          this.since = undefined;
          return;
        }
        this.rows.unshift(...batch);
        this.retryLater();
      },
    );
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  private retryLater(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, RETRY_MS);
    // Pending calls never keep a stopping process alive.
    this.timer.unref();
  }
}

export function pendingRunCalls(ctx: AppContext): PendingRunCalls {
  let pending = byContext.get(ctx);
  if (!pending) {
    pending = new PendingRunCalls(ctx);
    byContext.set(ctx, pending);
  }
  return pending;
}
