/**
 * Time partitions of traces, spans and assessments, and retention by dropping whole partitions.
 *
 * Layout (migration 018): each of the three tables is LIST-partitioned by `retention_class`, and
 * each class is RANGE-partitioned by day (UTC) on the trace's first-arrival time — `created_at` on
 * the trace, `trace_created_at` on its spans and assessments, so a trace and everything attached to
 * it live in partitions of the same day and class and go together.
 *
 *   assay.trace ─ list (retention_class) ─ assay.trace_r0  ─ range (created_at) ─ assay.trace_r0_20261206_20261207
 *                                         └ assay.trace_r7  ─ …
 *
 * Class 0 follows `ASSAY_RETENTION_DAYS` (unset: kept forever); class N > 0 keeps N days. A trace's
 * class is its experiment's `retention_days` when the trace first arrived, fixed from then on like
 * its first-arrival time (both are recorded in `assay.trace_key`, the one unpartitioned table that
 * keeps trace ids unique). A partition is named after its bounds, `<table>_r<class>_<from>_<to>`
 * (days, `to` exclusive), so retention reads them from the catalog without parsing bound text.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export const PARTITIONED_TABLES = ['trace', 'span', 'assessment'] as const;

/** The partition key column of each table (the trace's first-arrival time). */
export const TIME_COLUMN = { trace: 'created_at', span: 'trace_created_at', assessment: 'trace_created_at' } as const;

/** Days of partitions kept ready ahead of today. */
export const DAYS_AHEAD = 7;

/**
 * How far a trace's request_time may be ahead of its first arrival (a client clock ahead of the
 * server's). Search turns `timestamp_ms >= X` into `created_at >= X - this` for partition pruning.
 */
export const ARRIVAL_SKEW_MS = 24 * 3_600_000;

const DAY_MS = 86_400_000;

/**
 * The earliest first-arrival time of a trace whose request_time is at least `requestTimeMs` (see
 * ARRIVAL_SKEW_MS): a condition `created_at >= this` beside `request_time >= requestTimeMs` lets
 * Postgres skip older partitions. Undefined when it bounds nothing.
 */
export function arrivalLowerBound(requestTimeMs: number): Date | undefined {
  const from = requestTimeMs - ARRIVAL_SKEW_MS;
  return from > 0 && from < 8.64e15 ? new Date(from) : undefined;
}
/** Serialises partition creation and retention between processes (schedulers, API, migrations). */
const LOCK_KEY = 0x41_53_59_50; // 'ASYP'

export interface Partition {
  table: (typeof PARTITIONED_TABLES)[number];
  retentionClass: number;
  /** Inclusive, UTC midnight. */
  from: Date;
  /** Exclusive, UTC midnight. */
  to: Date;
  name: string;
}

export function dayStart(time: Date | number): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
}

function ymd(day: Date): string {
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}

function parseYmd(text: string): Date {
  return new Date(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00Z`);
}

export function partitionName(table: Partition['table'], retentionClass: number, from: Date, to: Date): string {
  return `${table}_r${retentionClass}_${ymd(from)}_${ymd(to)}`;
}

const NAME = /^(trace|span|assessment)_r(\d+)_(\d{8})_(\d{8})$/;

/** Every time partition in the catalog, oldest first. */
export async function listPartitions(db: Executor): Promise<Partition[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'assay' and c.relispartition and not c.relkind = 'p'`.execute(db);
  const out: Partition[] = [];
  for (const { name } of rows) {
    const m = NAME.exec(name);
    if (!m) continue;
    out.push({ table: m[1] as Partition['table'], retentionClass: Number(m[2]), from: parseYmd(m[3]!), to: parseYmd(m[4]!), name });
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime() || a.name.localeCompare(b.name));
}

/** The retention classes that have a list partition (class 0 always, after migration 018). */
export async function listClasses(db: Executor): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'assay.trace'::regclass`.execute(db);
  return rows.flatMap((r) => (/^trace_r(\d+)$/.exec(r.name) ? [Number(/^trace_r(\d+)$/.exec(r.name)![1])] : [])).sort((a, b) => a - b);
}

async function lock(db: Executor): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(db);
}

function inTransaction<T>(db: Executor, work: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : (db as Exclude<Executor, { isTransaction: true }>).transaction().execute(work);
}

/** Creates the list partition of a retention class on the three tables (range-partitioned by day). */
async function createClass(db: Executor, retentionClass: number): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    const name = `${table}_r${retentionClass}`;
    const exists = await relationExists(db, name);
    await sql`create table if not exists ${sql.id('assay', name)}
              partition of ${sql.id('assay', table)} for values in (${sql.lit(retentionClass)})
              partition by range (${sql.id(TIME_COLUMN[table])})`.execute(db);
    if (!exists) await copyStatisticsTargets(db, table, name);
  }
}

async function relationExists(db: Executor, name: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${`assay.${name}`}) is not null as found`.execute(db);
  return rows[0]?.found === true;
}

/**
 * A new partition does not take its parent's statistics targets (the per-column ones search relies
 * on, see migration 017): they are copied from the parent table and from each parent index.
 */
async function copyStatisticsTargets(db: Executor, parent: string, child: string): Promise<void> {
  const { rows: columns } = await sql<{ name: string; target: number }>`
    select attname as name, attstattarget::int as target from pg_attribute
    where attrelid = ${`assay.${parent}`}::regclass and attnum > 0 and not attisdropped and attstattarget > 0`.execute(db);
  for (const c of columns) {
    await sql`alter table ${sql.id('assay', child)} alter column ${sql.id(c.name)} set statistics ${sql.lit(c.target)}`.execute(db);
  }
  // Each index of the child is attached to an index of the parent (pg_inherits).
  const { rows: indexColumns } = await sql<{ index: string; attnum: number; target: number }>`
    select ci.relname as index, pa.attnum::int as attnum, pa.attstattarget::int as target
    from pg_index x join pg_class ci on ci.oid = x.indexrelid
    join pg_inherits h on h.inhrelid = x.indexrelid
    join pg_attribute pa on pa.attrelid = h.inhparent and pa.attnum > 0 and pa.attstattarget > 0
    where x.indrelid = ${`assay.${child}`}::regclass`.execute(db);
  for (const c of indexColumns) {
    await sql`alter index ${sql.id('assay', c.index)} alter column ${sql.lit(c.attnum)} set statistics ${sql.lit(c.target)}`.execute(db);
  }
}

/** Creates one range partition [from, to) of a class on the three tables. */
export async function createRange(db: Executor, retentionClass: number, from: Date, to: Date): Promise<void> {
  for (const table of PARTITIONED_TABLES) {
    const name = partitionName(table, retentionClass, from, to);
    const exists = await relationExists(db, name);
    await sql`create table if not exists ${sql.id('assay', name)}
              partition of ${sql.id('assay', `${table}_r${retentionClass}`)}
              for values from (${sql.lit(from.toISOString())}) to (${sql.lit(to.toISOString())})`.execute(db);
    if (!exists) await copyStatisticsTargets(db, `${table}_r${retentionClass}`, name);
  }
}

/**
 * Makes sure every class in use (0, every experiment's retention_days, `classes`) has a daily
 * partition for each day from `from` (default: yesterday) up to `DAYS_AHEAD` days after `now`, skipping days an existing
 * partition (a wider one made by the migration) already covers. Idempotent; returns what it made.
 */
export async function ensurePartitions(
  db: Executor,
  options: { now?: Date; from?: Date; classes?: readonly number[] } = {},
): Promise<string[]> {
  const now = options.now ?? new Date();
  // From yesterday by default: a write stamped just before midnight still finds its day.
  const first = dayStart(options.from ?? new Date(now.getTime() - DAY_MS));
  const last = dayStart(now.getTime() + DAYS_AHEAD * DAY_MS);
  // One catalog read decides whether anything is missing, so a process start or a scheduler tick
  // costs no lock when everything is there.
  const wanted = await classesInUse(db, options.classes ?? []);
  const missing = missingDays(await listPartitions(db), wanted, first, last);
  if (missing.length === 0) return [];
  return inTransaction(db, async (trx) => {
    await lock(trx);
    const existingClasses = new Set(await listClasses(trx));
    for (const c of wanted) if (!existingClasses.has(c)) await createClass(trx, c);
    const made: string[] = [];
    for (const { retentionClass, day } of missingDays(await listPartitions(trx), wanted, first, last)) {
      const to = new Date(day.getTime() + DAY_MS);
      await createRange(trx, retentionClass, day, to);
      made.push(partitionName('trace', retentionClass, day, to));
    }
    return made;
  });
}

async function classesInUse(db: Executor, extra: readonly number[]): Promise<number[]> {
  const { rows } = await sql<{ days: number }>`
    select distinct retention_days as days from assay.experiment where retention_days is not null`.execute(db);
  return [...new Set([0, ...rows.map((r) => Number(r.days)), ...extra])].sort((a, b) => a - b);
}

function missingDays(partitions: readonly Partition[], classes: readonly number[], first: Date, last: Date) {
  const out: Array<{ retentionClass: number; day: Date }> = [];
  for (const retentionClass of classes) {
    const ranges = partitions.filter((p) => p.table === 'trace' && p.retentionClass === retentionClass);
    for (let t = first.getTime(); t <= last.getTime(); t += DAY_MS) {
      if (!ranges.some((p) => p.from.getTime() <= t && t < p.to.getTime())) out.push({ retentionClass, day: new Date(t) });
    }
  }
  return out;
}

export interface RetentionResult {
  /** The trace partitions dropped (their span and assessment partitions went with them). */
  dropped: string[];
}

/**
 * Drops every partition whose whole range is older than its class's retention: class 0 after
 * `globalDays` (undefined: never), class N after N days. Whole partitions only: the trace, span and
 * assessment partitions of the same class and range go in one transaction, with the trace ids'
 * entries in `assay.trace_key` (so a trace id that arrives again later starts afresh) and the
 * labeling-session entries of those traces. Results tables and datasets are not touched.
 */
export async function dropExpiredPartitions(db: Executor, options: { now?: Date; globalDays?: number | undefined } = {}): Promise<RetentionResult> {
  const now = options.now ?? new Date();
  const expired = (await listPartitions(db)).filter((p) => p.table === 'trace' && isExpired(p, now, options.globalDays));
  const dropped: string[] = [];
  for (const p of expired) {
    try {
      await dropOne(db, p);
    } catch (error) {
      // Another query held the tables longer than the lock timeout: the next tick tries again.
      if ((error as { code?: string }).code === '55P03') break;
      throw error;
    }
    dropped.push(p.name);
  }
  return { dropped };
}

/**
 * Dropping a partition locks its parent exclusively for a moment. Waiting behind a long search
 * would queue every ingest behind the drop, so it gives up after DROP_LOCK_TIMEOUT_MS instead.
 */
const DROP_LOCK_TIMEOUT_MS = 3000;

async function dropOne(db: Executor, p: Partition): Promise<void> {
  await inTransaction(db, async (trx) => {
    await sql`select set_config('lock_timeout', ${String(DROP_LOCK_TIMEOUT_MS)}, true)`.execute(trx);
    await lock(trx);
    // Rows first: an ingest that waits on these key rows finds them gone and starts the trace
    // afresh in today's partition instead of pointing at a dropped one.
    await sql`delete from assay.trace_key where retention_class = ${p.retentionClass}
              and created_at >= ${p.from.toISOString()}::timestamptz and created_at < ${p.to.toISOString()}::timestamptz`.execute(trx);
    await sql`delete from assay.labeling_session_trace where trace_id in (select trace_id from ${sql.id('assay', p.name)})`.execute(trx);
    // DROP fires no trigger: the overview's rollup is told as a DELETE would tell it, with one
    // negative delta per hour and latency bin. The partition is locked first, so no upsert changes a
    // row between these sums and the drop.
    await sql`lock table ${sql.id('assay', p.name)} in access exclusive mode`.execute(trx);
    await sql`
      insert into assay.trace_hour_delta (experiment_id, hour, bin, traces, errors, total_tokens, cost)
      select r.experiment_id, r.hour, r.bin, sum(r.traces), sum(r.errors), sum(r.total_tokens), sum(r.cost)
      from assay.trace t, assay.trace_hour_rows(-1, t) r
      where t.retention_class = ${p.retentionClass}
        and t.created_at >= ${p.from.toISOString()}::timestamptz and t.created_at < ${p.to.toISOString()}::timestamptz
      group by 1, 2, 3`.execute(trx);
    for (const table of ['assessment', 'span', 'trace'] as const) {
      await sql`drop table if exists ${sql.id('assay', partitionName(table, p.retentionClass, p.from, p.to))}`.execute(trx);
    }
  });
}

function isExpired(p: Partition, now: Date, globalDays: number | undefined): boolean {
  const days = p.retentionClass === 0 ? globalDays : p.retentionClass;
  if (days === undefined || days <= 0) return false;
  return p.to.getTime() <= now.getTime() - days * DAY_MS;
}
