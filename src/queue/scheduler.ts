/** Decides when each monitor is due and enqueues its run. Filled in with monitoring. */
import type { AppContext } from '../api/context.ts';

export interface Scheduler {
  stop(): Promise<void>;
}

export async function startScheduler(_ctx: AppContext): Promise<Scheduler> {
  return { stop: async () => {} };
}
