/** `monitor.alerts`: evaluate a monitor's alert rules after one of its runs. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { evaluateAlerts } from '../src/services/alert-evaluate.ts';
import { processor } from './retry-policy.ts';

export function monitorAlertsProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ run_id: z.string().min(1) }),
    async ({ run_id }) => {
      await evaluateAlerts(ctx, run_id);
    },
    async ({ run_id }, reason) => ctx.log.error({ run_id, reason }, 'alert evaluation failed'),
  );
}
