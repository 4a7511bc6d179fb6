/**
 * Versioned migrations. Kysely's migrator takes a Postgres advisory lock for the whole run, so two
 * processes starting at once do not both migrate: the second waits, then finds nothing to do.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { describeDatabaseError } from './database-errors.ts';
import * as core from './migrations/001-core.ts';
import * as searchIndexes from './migrations/002-search-indexes.ts';
import * as datasets from './migrations/003-datasets.ts';
import * as monitors from './migrations/004-monitors.ts';
import * as evaluations from './migrations/005-evaluations.ts';
import * as datasetViewBarrier from './migrations/011-dataset-view-barrier.ts';
import * as labelingSessions from './migrations/013-labeling-sessions.ts';
import * as monitorAlerts from './migrations/014-monitor-alerts.ts';
import * as sessions from './migrations/015-sessions.ts';
import * as monitorRunCalls from './migrations/016-monitor-run-calls.ts';
import * as searchAtScale from './migrations/017-search-at-scale.ts';
import * as timePartitions from './migrations/018-time-partitions.ts';
import * as overviewRollup from './migrations/020-overview-rollup.ts';
import * as sessionDeferrals from './migrations/021-session-deferrals.ts';
import * as backfillBudgets from './migrations/022-backfill-budgets.ts';
import * as traceCopyRows from './migrations/023-trace-copy-rows.ts';
import * as chunkTraceLists from './migrations/024-chunk-trace-lists.ts';
import { ensurePartitions } from './partitions.ts';
import type { Db } from './connect.ts';

/** Every migration, in order. Add new ones at the end; never edit a released one. */
const migrations: Record<string, Migration> = {
  '001-core': core,
  '002-search-indexes': searchIndexes,
  '003-datasets': datasets,
  '004-monitors': monitors,
  '005-evaluations': evaluations,
  '011-dataset-view-barrier': datasetViewBarrier,
  '013-labeling-sessions': labelingSessions,
  '014-monitor-alerts': monitorAlerts,
  '015-sessions': sessions,
  '016-monitor-run-calls': monitorRunCalls,
  '017-search-at-scale': searchAtScale,
  '018-time-partitions': timePartitions,
  '020-overview-rollup': overviewRollup,
  '021-session-deferrals': sessionDeferrals,
  '022-backfill-budgets': backfillBudgets,
  '023-trace-copy-rows': traceCopyRows,
  '024-chunk-trace-lists': chunkTraceLists,
};

export interface MigrateOptions {
  /**
   * Make sure the days' trace partitions exist once migrated. Default true; false leaves it to the
   * caller (`ensurePartitions`), before the database takes any trace.
   */
  partitions?: boolean;
}

export async function migrateToLatest<DB>(db: Kysely<DB>, options: MigrateOptions = {}): Promise<string[]> {
  const partitions = options.partitions ?? true;
  if (await upToDate(db)) {
    if (partitions) await ensureTimePartitions(db);
    return [];
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: 'assay',
    // Feature branches land migrations out of order; each one is independent of its neighbours.
    allowUnorderedMigrations: true,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = describeDatabaseError(result.error);
    throw new Error(failed ? `migration ${failed.migrationName} failed: ${reason}` : `cannot migrate the database: ${reason}`, { cause: result.error });
  }
  if (partitions) await ensureTimePartitions(db);
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Every start makes sure today's and the next days' trace partitions exist, so a database restored
 * from an old template or left without a scheduler for a while still takes traces on its first
 * request. One catalog read when nothing is missing.
 */
async function ensureTimePartitions<DB>(db: Kysely<DB>): Promise<void> {
  await ensurePartitions(db as unknown as Db);
}

/**
 * One read instead of the migrator's setup (schema, tables, lock) on every start: true when every
 * known migration is recorded as applied. Anything else — no table yet, one missing — migrates.
 */
async function upToDate<DB>(db: Kysely<DB>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from assay.kysely_migration`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return Object.keys(migrations).every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/** The names of every known migration. */
export function migrationNames(): string[] {
  return Object.keys(migrations);
}

/** Lets feature modules register their migrations without this file importing them all by hand. */
export function registerMigration(name: string, migration: Migration): void {
  migrations[name] = migration;
}

/**
 * Migrates to the state right after migration `last` (upgrade tests: a database as an older
 * release left it). No partitions are ensured: the database may be older than partitions.
 */
export async function migrateUpTo(db: Kysely<unknown>, last: string): Promise<void> {
  const names = Object.keys(migrations);
  const upTo = Object.fromEntries(names.slice(0, names.indexOf(last) + 1).map((n) => [n, migrations[n]!]));
  const result = await new Migrator({ db, provider: { getMigrations: async () => upTo }, migrationTableSchema: 'assay' }).migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
}
