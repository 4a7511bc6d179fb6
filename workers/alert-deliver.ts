/** `alert.deliver`: one try of one webhook delivery; the queue retries it with backoff. */
import { z } from 'zod';
import type { AppContext } from '../src/services/context.ts';
import type { JobHandler } from '../src/queue/queue.ts';
import { abandonDelivery, deliverAlert } from '../src/services/alert-deliver.ts';
import { processor } from './retry-policy.ts';

export function alertDeliverProcessor(ctx: AppContext): JobHandler {
  return processor(
    z.object({ delivery_id: z.string().min(1) }),
    ({ delivery_id }, job) => deliverAlert(ctx, delivery_id, job.signal),
    ({ delivery_id }, reason) => abandonDelivery(ctx, delivery_id, reason),
  );
}
