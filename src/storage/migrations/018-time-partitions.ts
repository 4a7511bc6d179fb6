import { sql, type Kysely } from 'kysely';
import type { Executor } from '../connect.ts';
import { createRange, dayStart, ensurePartitions, PARTITIONED_TABLES, TIME_COLUMN } from '../partitions.ts';

/**
 * Traces, spans and assessments move onto time partitions (see ../partitions.ts for the layout).
 *
 * The partition key is the trace's first-arrival time (`created_at`, set by the first request that
 * carries the trace and never updated) with the trace's retention class, not its request_time: a
 * trace arrives in several requests and each may compute another request_time, and a row never
 * moves partitions on an upsert. A primary key or unique index on a partitioned table has to
 * contain the partition key, so `trace_id` alone can no longer be unique there; `assay.trace_key`
 * (trace_id primary key → class and first-arrival time) keeps it unique, and every write looks the
 * key up there first, so an upsert's ON CONFLICT (trace_id, retention_class, created_at) finds the
 * stored row. Spans and assessments carry their trace's key (`trace_created_at`, `retention_class`)
 * so they live, and are dropped, with it.
 *
 * The move: the old tables are renamed, partitioned tables are created LIKE them (every column,
 * default, generated column and check, whatever earlier migrations added), the rows are copied in
 * one statement per table, the old tables dropped, and then every index and statistics object the
 * old tables had is created again from the catalog (pg_get_indexdef), unique ones with the partition
 * key appended. Foreign keys from the three tables to other tables are kept; foreign keys between
 * them, and from other tables to them (labeling sessions), are dropped: a key that is not unique on
 * its own cannot be referenced, and retention drops partitions rather than deleting rows.
 * Change_xid and seq are copied as they are, so monitor cursors stay valid.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const trx = db as unknown as Executor;
  await sql`alter table assay.experiment add column retention_days integer
            constraint experiment_retention_days_range check (retention_days between 1 and 36500)`.execute(db);

  const saved = await savedDefinitions(trx);
  for (const { table, name } of saved.referencing) await sql`alter table ${sql.raw(table)} drop constraint ${sql.id(name)}`.execute(db);
  for (const table of PARTITIONED_TABLES) {
    await sql`alter table ${sql.id('assay', table)} rename to ${sql.id(`${table}_unpartitioned`)}`.execute(db);
  }

  await sql`
    create table assay.trace_key (
      trace_id text primary key,
      retention_class integer not null,
      created_at timestamptz not null
    );
    create index trace_key_partition on assay.trace_key (retention_class, created_at);

    create table assay.trace (like assay.trace_unpartitioned including defaults including generated including constraints,
                              retention_class integer not null default 0)
      partition by list (retention_class);
    create table assay.span (like assay.span_unpartitioned including defaults including generated including constraints,
                             retention_class integer not null default 0, trace_created_at timestamptz not null)
      partition by list (retention_class);
    create table assay.assessment (like assay.assessment_unpartitioned including defaults including generated including constraints,
                                   retention_class integer not null default 0, trace_created_at timestamptz not null)
      partition by list (retention_class);
  `.execute(db);

  // Existing rows are class 0 (the global retention). Days older than a month go into one
  // partition per month, so an installation with years of traces does not get thousands of tables.
  const { rows } = await sql<{ first: Date | null }>`select min(created_at) as first from assay.trace_unpartitioned`.execute(db);
  const today = dayStart(new Date());
  const dailyFrom = new Date(today.getTime() - 31 * 86_400_000);
  const first = rows[0]?.first ? dayStart(rows[0].first) : today;
  await ensurePartitions(trx, { from: first < dailyFrom ? dailyFrom : first });
  for (let lo = first; lo < dailyFrom; ) {
    const nextMonth = new Date(Date.UTC(lo.getUTCFullYear(), lo.getUTCMonth() + 1, 1));
    const hi = nextMonth < dailyFrom ? nextMonth : dailyFrom;
    await createRange(trx, 0, lo, hi);
    lo = hi;
  }

  await sql`
    insert into assay.trace_key (trace_id, retention_class, created_at)
      select trace_id, 0, created_at from assay.trace_unpartitioned;
  `.execute(db);
  await sql`insert into assay.trace (${columnList(saved.columns.trace)}, retention_class)
            select ${columnList(saved.columns.trace)}, 0 from assay.trace_unpartitioned`.execute(db);
  for (const table of ['span', 'assessment'] as const) {
    const cols = saved.columns[table];
    await sql`insert into ${sql.id('assay', table)} (${columnList(cols)}, retention_class, trace_created_at)
              select ${sql.join(cols.map((c) => sql.ref(`o.${c}`)))}, 0, t.created_at
              from ${sql.id('assay', `${table}_unpartitioned`)} o join assay.trace_unpartitioned t on t.trace_id = o.trace_id`.execute(db);
  }
  await sql`drop table assay.assessment_unpartitioned, assay.span_unpartitioned, assay.trace_unpartitioned`.execute(db);

  for (const table of PARTITIONED_TABLES) {
    const key = `retention_class, ${TIME_COLUMN[table]}`;
    await sql`alter table ${sql.id('assay', table)} add constraint ${sql.id(`${table}_pkey`)}
              primary key (${sql.raw(saved.primaryKeys[table])}, ${sql.raw(key)})`.execute(db);
  }
  for (const index of saved.indexes) {
    const key = `retention_class, ${TIME_COLUMN[index.table]}`;
    await sql.raw(index.unique ? withPartitionKey(index.definition, key) : index.definition).execute(db);
  }
  for (const definition of saved.statistics) await sql.raw(definition).execute(db);
  // Statistics targets (set by 017 for search), on the parents: they reach every partition made so
  // far, and new partitions copy them from their parent (partitions.ts).
  for (const t of saved.targets) {
    const statement = t.index
      ? sql`alter index ${sql.id('assay', t.relation)} alter column ${sql.lit(t.attnum)} set statistics ${sql.lit(t.target)}`
      : sql`alter table ${sql.id('assay', t.relation)} alter column ${sql.id(t.column)} set statistics ${sql.lit(t.target)}`;
    await statement.execute(db);
  }
  for (const fk of saved.foreignKeys) {
    await sql`alter table ${sql.id('assay', fk.table)} add constraint ${sql.id(fk.name)} ${sql.raw(fk.definition)}`.execute(db);
  }
  await sql`analyze assay.trace_key`.execute(db);
}

function columnList(columns: readonly string[]) {
  return sql.join(columns.map((c) => sql.id(c)));
}

interface SavedDefinitions {
  /** Stored (not generated) columns of each old table, in order. */
  columns: Record<(typeof PARTITIONED_TABLES)[number], string[]>;
  /** The primary key's column list of each old table. */
  primaryKeys: Record<(typeof PARTITIONED_TABLES)[number], string>;
  indexes: Array<{ table: (typeof PARTITIONED_TABLES)[number]; definition: string; unique: boolean }>;
  statistics: string[];
  /** Per-column statistics targets of the tables and their indexes (indexes keep their names). */
  targets: Array<{ relation: string; index: boolean; column: string; attnum: number; target: number }>;
  foreignKeys: Array<{ table: string; name: string; definition: string }>;
  /** Foreign keys that reference one of the tables (dropped). */
  referencing: Array<{ table: string; name: string }>;
}

/** What the old tables have, read from the catalog before they are renamed. */
async function savedDefinitions(db: Executor): Promise<SavedDefinitions> {
  const saved: SavedDefinitions = {
    columns: { trace: [], span: [], assessment: [] },
    primaryKeys: { trace: '', span: '', assessment: '' },
    indexes: [],
    statistics: [],
    targets: [],
    foreignKeys: [],
    referencing: [],
  };
  const partitioned = PARTITIONED_TABLES.map((t) => `assay.${t}`);
  for (const table of PARTITIONED_TABLES) {
    const relation = `assay.${table}`;
    const { rows: columns } = await sql<{ name: string }>`
      select attname as name from pg_attribute
      where attrelid = ${relation}::regclass and attnum > 0 and not attisdropped and attgenerated = ''
      order by attnum`.execute(db);
    saved.columns[table] = columns.map((c) => c.name);
    const { rows: indexes } = await sql<{ definition: string; unique: boolean; primary: boolean }>`
      select pg_get_indexdef(i.indexrelid) as definition, i.indisunique as unique, i.indisprimary as primary
      from pg_index i where i.indrelid = ${relation}::regclass order by i.indexrelid`.execute(db);
    for (const index of indexes) {
      if (index.primary) continue;
      saved.indexes.push({ table, definition: index.definition, unique: index.unique });
    }
    const { rows: constraints } = await sql<{ name: string; type: string; definition: string; references: string | null }>`
      select conname as name, contype as type, pg_get_constraintdef(oid) as definition, confrelid::regclass::text as references
      from pg_constraint where conrelid = ${relation}::regclass and contype in ('p', 'f')`.execute(db);
    for (const c of constraints) {
      if (c.type === 'p') saved.primaryKeys[table] = /\((.*)\)/.exec(c.definition)![1]!;
      else if (!partitioned.includes(c.references ?? '')) saved.foreignKeys.push({ table, name: c.name, definition: c.definition });
    }
    const { rows: statistics } = await sql<{ definition: string }>`
      select pg_get_statisticsobjdef(oid) as definition from pg_statistic_ext where stxrelid = ${relation}::regclass`.execute(db);
    saved.statistics.push(...statistics.map((s) => s.definition));
    const { rows: targets } = await sql<{ relation: string; index: boolean; column: string; attnum: number; target: number }>`
      select c.relname as relation, c.relkind = 'i' as index, a.attname as column, a.attnum::int as attnum, a.attstattarget::int as target
      from pg_attribute a join pg_class c on c.oid = a.attrelid
      where a.attnum > 0 and not a.attisdropped and a.attstattarget > 0
        and (a.attrelid = ${relation}::regclass or a.attrelid in (select indexrelid from pg_index where indrelid = ${relation}::regclass))`.execute(db);
    saved.targets.push(...targets);
    const { rows: referencing } = await sql<{ table: string; name: string }>`
      select conrelid::regclass::text as table, conname as name from pg_constraint
      where contype = 'f' and confrelid = ${relation}::regclass and not conrelid = any(${partitioned}::regclass[])`.execute(db);
    saved.referencing.push(...referencing);
  }
  return saved;
}

/**
 * `CREATE UNIQUE INDEX n ON t USING m (cols) [INCLUDE (…)] [WHERE …]` with the partition key
 * appended to its key columns: a unique index on a partitioned table has to contain it. Unique per
 * (value, trace partition) is unique per value wherever the value names its trace, as the
 * idempotency keys of judge feedback do.
 */
export function withPartitionKey(definition: string, key: string): string {
  const using = / USING \w+ \(/.exec(definition);
  if (!using) throw new Error(`cannot read the index definition: ${definition}`);
  let depth = 0;
  for (let i = using.index + using[0].length - 1; i < definition.length; i += 1) {
    const ch = definition[i];
    if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return `${definition.slice(0, i)}, ${key}${definition.slice(i)}`;
    }
  }
  throw new Error(`cannot read the index definition: ${definition}`);
}

export async function down(): Promise<void> {
  throw new Error('018-time-partitions cannot be undone: restore a backup taken before it');
}
