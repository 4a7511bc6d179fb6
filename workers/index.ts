/**
 * Every job kind and its processor. A processor is thin: validate the payload, call one service,
 * let `retry-policy.ts` decide whether a failure is worth another try.
 */
import type { AppContext } from '../src/api/context.ts';
import type { JobHandlers } from '../src/queue/queue.ts';

export function jobHandlers(_ctx: AppContext): JobHandlers {
  return {};
}
