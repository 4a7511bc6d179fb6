/**
 * One try of one webhook delivery: POST the stored body through the outbound policy, signed with
 * HMAC-SHA256 under the webhook's secret, with the delivery id as idempotency key. The queue retries
 * with backoff; every try sends the same bytes and the same id, so a receiver drops duplicates.
 * The secret is read from the environment when signing and is never logged or stored.
 */
import { createHmac } from 'node:crypto';
import { readWebhookSecret } from '../../config/index.ts';
import type { AppContext } from './context.ts';
import { alertDeliveries } from '../observability/alert-metrics.ts';
import { PermanentJobError } from '../queue/queue.ts';
import { findDelivery, giveUpDelivery, recordDeliveryTry } from '../storage/alert-repository.ts';
import { OutboundHttp } from './outbound-http.ts';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export async function deliverAlert(ctx: AppContext, deliveryId: string, signal: AbortSignal): Promise<void> {
  const delivery = await findDelivery(ctx.db, deliveryId);
  if (!delivery || delivery.status !== 'pending') return;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Assay-Webhook/1',
    'x-assay-delivery': delivery.delivery_id,
    'idempotency-key': delivery.delivery_id,
    'x-assay-event': delivery.event_id,
  };
  if (delivery.secret_env) {
    const secret = readWebhookSecret(delivery.secret_env);
    if (!secret) {
      const reason = `secret_env: ${delivery.secret_env} is not set in this process's environment`;
      await recordDeliveryTry(ctx.db, deliveryId, { status: 'pending', error: reason });
      alertDeliveries.inc({ outcome: 'retry' });
      throw new Error(reason);
    }
    headers['x-assay-signature'] = signBody(secret, delivery.body);
  }
  let status: number;
  try {
    const response = await OutboundHttp.fromConfig(ctx.config).request(delivery.url, { method: 'POST', headers, body: delivery.body, signal });
    status = response.status;
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = (error as Error).message;
    await recordDeliveryTry(ctx.db, deliveryId, { status: 'pending', error: reason });
    alertDeliveries.inc({ outcome: 'retry' });
    throw error;
  }
  if (status >= 200 && status < 300) {
    await recordDeliveryTry(ctx.db, deliveryId, { status: 'delivered', httpStatus: status });
    alertDeliveries.inc({ outcome: 'delivered' });
    ctx.log.info({ delivery_id: deliveryId, webhook: delivery.webhook, status }, 'alert delivered');
    return;
  }
  // The receiver's answer body is not kept: it is not ours to store.
  const reason = `HTTP ${status}`;
  const retryable = status >= 500 || status === 408 || status === 429;
  await recordDeliveryTry(ctx.db, deliveryId, { status: retryable ? 'pending' : 'failed', httpStatus: status, error: reason });
  alertDeliveries.inc({ outcome: retryable ? 'retry' : 'failed' });
  if (!retryable) throw new PermanentJobError(`webhook ${delivery.webhook} answered ${reason}`);
  throw new Error(`webhook ${delivery.webhook} answered ${reason}`);
}

export async function abandonDelivery(ctx: AppContext, deliveryId: string, reason: string): Promise<void> {
  await giveUpDelivery(ctx.db, deliveryId, reason);
  alertDeliveries.inc({ outcome: 'failed' });
  ctx.log.warn({ delivery_id: deliveryId, reason }, 'alert delivery given up');
}
