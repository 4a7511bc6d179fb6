/**
 * Opens the database: Postgres through `pg` when a URL is given, otherwise an embedded PGlite under
 * the data directory. One schema, one set of migrations, the same queries for both.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from './pglite-dialect.ts';
import { pgliteExtensions } from './pglite-extensions.ts';
import { SessionGate } from './session-gate.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

/** The database or a transaction on it: what repository functions run their queries on. */
export type Executor = Db | Transaction<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  /** A pg connection string when kind is postgres (for tools that connect on their own). */
  readonly url: string | undefined;
  /** The embedded backend and the gate that hands out turns at it (kind pglite): what the SQL port serves. */
  readonly embedded?: { readonly pglite: PGlite; readonly gate: SessionGate };
  close(): Promise<void>;
}

// Counts, epoch milliseconds and sequence numbers fit in a double; nanosecond times are read as text.
const INT8 = 20;
const NUMERIC = 1700;

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  /** Directory for PGlite; `memory://` keeps it in memory (tests, `assay demo`). */
  dataDir?: string;
  poolSize?: number;
  /**
   * PGlite only: a data directory dump (`dumpDataDir`) to start from instead of an empty database,
   * e.g. an already migrated one for `memory://` (tests); a directory that already holds a database
   * ignores it.
   */
  fromTemplate?: Blob;
}

export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    // Imported here: the embedded database does not need the pg driver's modules.
    const { default: pg } = await import('pg');
    pg.types.setTypeParser(INT8, (v) => Number(v));
    pg.types.setTypeParser(NUMERIC, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // A client that loses its server (a restart, an administrator's terminate) must not crash the
    // process: idle ones are dropped by the pool and the next checkout reconnects; one checked out
    // sees the failure as its query's error, which the caller handles (a job retries).
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', url: options.databaseUrl, close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dataDir = options.dataDir ?? './.assay';
  let location = dataDir;
  // An in-memory database starts from a migrated dump (the tests' own, or the build's template, as
  // `assay demo` does); a data directory on disk from the build's template, unpacked in place, when
  // it has no database yet. Without a template PGlite runs initdb and the migrations follow.
  const inMemory = dataDir.startsWith('memory://');
  let template = inMemory ? options.fromTemplate : undefined;
  if (inMemory && !template) {
    const [{ templateDump }, { migrationNames }] = await Promise.all([import('./pglite-template.ts'), import('./migrate.ts')]);
    template = templateDump(migrationNames());
  }
  if (!inMemory) {
    location = resolve(dataDir, 'pgdata');
    mkdirSync(location, { recursive: true });
    // A first start: unpack the ready-made database rather than run initdb and every migration.
    if (!existsSync(resolve(location, 'PG_VERSION'))) {
      const [{ unpackTemplate }, { migrationNames }] = await Promise.all([import('./pglite-template.ts'), import('./migrate.ts')]);
      unpackTemplate(migrationNames(), location);
    }
  }
  const pglite = await PGlite.create(location, {
    ...(template ? { loadDataDir: template } : {}),
    extensions: await pgliteExtensions(),
    parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => Number(v) },
  });
  const gate = new SessionGate();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, gate) });
  return {
    db,
    kind: 'pglite',
    url: undefined,
    embedded: { pglite, gate },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

/** Throws when the database cannot answer (readiness probes). */
export async function pingDatabase(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}
