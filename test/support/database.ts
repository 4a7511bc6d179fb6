/**
 * Test databases: each test file gets its own Postgres database on the local server (or an
 * in-memory PGlite), migrated, and dropped afterwards.
 *
 * Under `vitest run` both start as copies of the migrated templates global-setup.ts makes once per
 * run (a copy takes a fraction of a second, the migrations several seconds); elsewhere (benchmarks)
 * each one is migrated. Dropping does not hold the test up: the drop runs in the background and the
 * run's teardown drops whatever is left of its databases.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type DatabaseHandle } from '../../src/storage/connect.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';
import { dumpOf } from '../../src/storage/pglite-template.ts';

export const ADMIN_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.ASSAY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What global-setup.ts hands the workers: the run's id and its templates. */
export const TEST_ENV = {
  run: 'ASSAY_TEST_RUN',
  postgresTemplate: 'ASSAY_TEST_TEMPLATE_DATABASE',
  pgliteTemplate: 'ASSAY_TEST_PGLITE_TEMPLATE',
} as const;

export type TestDbKind = 'postgres' | 'pglite';

export interface TestDatabase extends DatabaseHandle {
  /** Drops the database (Postgres) after closing the handle. */
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: TestDbKind = 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await connectDatabase({ dataDir: 'memory://', ...pgliteTemplate() });
    // Nothing to do on a migrated template but today's partitions; everything otherwise.
    await migrateToLatest(handle.db);
    return { ...handle, drop: () => handle.close() };
  }
  const run = process.env[TEST_ENV.run];
  const template = process.env[TEST_ENV.postgresTemplate];
  const name = `assay_test_${run ? `${run}_` : ''}${randomBytes(6).toString('hex')}`;
  await adminQuery(template ? `create database ${name} template ${template}` : `create database ${name}`);
  const handle = await connectDatabase({ databaseUrl: testDatabaseUrl(name), poolSize: 8 });
  await migrateToLatest(handle.db);
  let dropped = false;
  return {
    ...handle,
    close: handle.close,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await handle.close().catch(() => {});
      const dropping = adminQuery(`drop database if exists ${name} with (force)`);
      // In a run the teardown drops what a background drop did not get to.
      if (run) dropping.catch(() => {});
      else await dropping;
    },
  };
}

let pgliteDump: Blob | undefined;

/** The run's migrated PGlite dump, read once per worker. */
function pgliteTemplate(): { fromTemplate?: Blob } {
  const path = process.env[TEST_ENV.pgliteTemplate];
  if (!path) return {};
  pgliteDump ??= dumpOf(path);
  return { fromTemplate: pgliteDump };
}

/** The URL of a database on the test server. */
export function testDatabaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(text: string): Promise<void> {
  admin ??= adminPool();
  await admin.query(text);
}

/**
 * The worker's connections to the server's admin database, shared by the creates and drops of its
 * files: a connection per statement started a Postgres backend for each, two per test database.
 * Two, so a drop left running in the background does not hold up the next file's create; closed
 * when idle, and never what keeps a process alive.
 */
let admin: pg.Pool | undefined;

function adminPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: ADMIN_URL, max: 2, idleTimeoutMillis: 2_000, allowExitOnIdle: true });
  // An idle connection the server closed: the next statement opens another.
  pool.on('error', () => {});
  return pool;
}

/** The name of a run's template database. */
export function templateDatabaseName(run: string): string {
  return `assay_template_${run}`;
}

/** Drops the template and every test database of one run that are still there. */
export async function dropRunDatabases(run: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `select datname from pg_database where datname = $1 or datname like $2 order by datname = $1`,
      [templateDatabaseName(run), `assay\\_test\\_${run}\\_%`],
    );
    for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
  } finally {
    await client.end();
  }
}

/** A unique BullMQ prefix for one test. */
export function testQueuePrefix(): string {
  return `assay-test-${randomBytes(5).toString('hex')}`;
}
