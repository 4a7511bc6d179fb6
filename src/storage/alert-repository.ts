/** Alert rule states, their state changes (history) and webhook deliveries. */
import { sql, type Selectable } from 'kysely';
import type { AlertDeliveryTable, MonitorAlertEventTable, MonitorAlertTable } from './alert-schema.ts';
import type { Executor } from './connect.ts';

export type AlertStateRow = Selectable<MonitorAlertTable>;
export type AlertEventRow = Selectable<MonitorAlertEventTable>;
export type DeliveryRow = Selectable<AlertDeliveryTable>;

/** The rule's state row, locked for this transaction (made on first use). */
export async function lockAlertState(db: Executor, experimentId: number, name: string): Promise<AlertStateRow> {
  await db.insertInto('assay.monitor_alert').values({ experiment_id: experimentId, name }).onConflict((oc) => oc.doNothing()).execute();
  return db
    .selectFrom('assay.monitor_alert')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .where('name', '=', name)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function saveAlertState(
  db: Executor,
  row: Pick<AlertStateRow, 'experiment_id' | 'name' | 'state' | 'streak' | 'last_run_id' | 'last_value' | 'last_low' | 'last_high' | 'last_sample_size'> & { changed: boolean },
): Promise<void> {
  await db
    .updateTable('assay.monitor_alert')
    .set({
      state: row.state,
      streak: row.streak,
      last_run_id: row.last_run_id,
      last_value: row.last_value,
      last_low: row.last_low,
      last_high: row.last_high,
      last_sample_size: row.last_sample_size,
      last_evaluated_at: new Date(),
      ...(row.changed ? { since: sql`now()` } : {}),
    })
    .where('experiment_id', '=', row.experiment_id)
    .where('name', '=', row.name)
    .execute();
}

export async function insertAlertEvent(db: Executor, event: Omit<AlertEventRow, 'created_at' | 'rule'> & { rule: object }): Promise<AlertEventRow> {
  return db
    .insertInto('assay.monitor_alert_event')
    .values({ ...event, rule: JSON.stringify(event.rule) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertDelivery(db: Executor, delivery: Pick<DeliveryRow, 'delivery_id' | 'event_id' | 'webhook' | 'url' | 'secret_env' | 'body'>): Promise<void> {
  await db.insertInto('assay.alert_delivery').values(delivery).execute();
}

export async function alertStates(db: Executor, experimentId: number): Promise<AlertStateRow[]> {
  return db.selectFrom('assay.monitor_alert').selectAll().where('experiment_id', '=', experimentId).orderBy('name').execute();
}

export async function alertHistory(db: Executor, experimentId: number, limit: number): Promise<Array<AlertEventRow & { deliveries: Array<Omit<DeliveryRow, 'body' | 'secret_env' | 'url' | 'event_id'>> }>> {
  const events = await db
    .selectFrom('assay.monitor_alert_event')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .orderBy('created_at', 'desc')
    .orderBy('event_id', 'desc')
    .limit(limit)
    .execute();
  if (events.length === 0) return [];
  const deliveries = await db
    .selectFrom('assay.alert_delivery')
    .select(['delivery_id', 'event_id', 'webhook', 'status', 'attempts', 'last_status', 'last_error', 'created_at', 'delivered_at'])
    .where('event_id', 'in', events.map((e) => e.event_id))
    .orderBy('created_at')
    // One state change's deliveries share created_at (one transaction): list them by name.
    .orderBy('webhook')
    .execute();
  return events.map((e) => ({
    ...e,
    deliveries: deliveries.filter((d) => d.event_id === e.event_id).map(({ event_id: _unused, ...d }) => d),
  }));
}

export async function findDelivery(db: Executor, deliveryId: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('assay.alert_delivery').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
}

export async function recordDeliveryTry(
  db: Executor,
  deliveryId: string,
  outcome: { status: 'pending' | 'delivered' | 'failed'; httpStatus?: number | null; error?: string | null },
): Promise<void> {
  await db
    .updateTable('assay.alert_delivery')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      status: outcome.status,
      last_status: outcome.httpStatus ?? null,
      last_error: outcome.error?.slice(0, 1000) ?? null,
      ...(outcome.status === 'delivered' ? { delivered_at: new Date() } : {}),
    }))
    .where('delivery_id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

export async function giveUpDelivery(db: Executor, deliveryId: string, reason: string): Promise<void> {
  await db
    .updateTable('assay.alert_delivery')
    .set({ status: 'failed', last_error: reason.slice(0, 1000) })
    .where('delivery_id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

/** Deliveries still pending after `olderThanMs`: their job may have been lost with the queue. */
export async function stalePendingDeliveries(db: Executor, olderThanMs: number): Promise<string[]> {
  const rows = await db
    .selectFrom('assay.alert_delivery')
    .select('delivery_id')
    .where('status', '=', 'pending')
    .where('created_at', '<', new Date(Date.now() - olderThanMs))
    .limit(1000)
    .execute();
  return rows.map((r) => r.delivery_id);
}

/**
 * Runs whose alert evaluation may have been lost with the queue: each monitor's latest finished
 * run (not a backfill), when some rule of the monitor has not seen that run yet.
 */
export async function runsAwaitingAlerts(db: Executor, olderThanMs: number): Promise<string[]> {
  const { rows } = await sql<{ run_id: string }>`
    select latest.run_id from (
      select distinct on (r.experiment_id) r.run_id, r.experiment_id, r.finished_at,
             jsonb_array_length(m.config->'alerts') as rules
      from assay.monitor_run r
      join assay.monitor m on m.experiment_id = r.experiment_id
      where r.status = 'succeeded' and r.kind <> 'backfill'
        and jsonb_typeof(m.config->'alerts') = 'array' and jsonb_array_length(m.config->'alerts') > 0
      order by r.experiment_id, r.finished_at desc
    ) latest
    where latest.finished_at < ${new Date(Date.now() - olderThanMs)}
      and (select count(*) from assay.monitor_alert a
           where a.experiment_id = latest.experiment_id and a.last_run_id = latest.run_id) < latest.rules`.execute(db);
  return rows.map((r) => r.run_id);
}
