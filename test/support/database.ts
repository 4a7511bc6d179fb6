/**
 * Test databases: each test file gets its own Postgres database on the local server (or an
 * in-memory PGlite), migrated, and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type DatabaseHandle } from '../../src/storage/connect.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';

export const ADMIN_URL = process.env.ASSAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.ASSAY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type TestDbKind = 'postgres' | 'pglite';

export interface TestDatabase extends DatabaseHandle {
  /** Drops the database (Postgres) after closing the handle. */
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: TestDbKind = 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await connectDatabase({ dataDir: 'memory://' });
    await migrateToLatest(handle.db);
    return { ...handle, drop: () => handle.close() };
  }
  const name = `assay_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 8 });
  await migrateToLatest(handle.db);
  let dropped = false;
  return {
    ...handle,
    close: handle.close,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await handle.close().catch(() => {});
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A unique BullMQ prefix for one test. */
export function testQueuePrefix(): string {
  return `assay-test-${randomBytes(5).toString('hex')}`;
}
