/**
 * Once per `vitest run`: the migrated databases every test database is copied from, so no test file
 * pays for the migrations (seconds each on a busy machine).
 *
 * - Postgres: one database `assay_template_<run>` on the shared server, migrated here; each test's
 *   database is `CREATE DATABASE … TEMPLATE` of it (see database.ts).
 * - PGlite: a migrated data directory dump. The one `npm run build` leaves in dist/ when it is newer
 *   than every source that shapes the schema; otherwise one made here into a temporary file.
 *
 * The teardown (also after failures) drops the template and any test database of this run that is
 * still there, and removes the temporary file; an interrupted run leaves that to a detached process.
 * Workers learn the names through the environment.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectDatabase } from '../../src/storage/connect.ts';
import { migrateToLatest, migrationNames } from '../../src/storage/migrate.ts';
import { migratedDataDir, usableTemplateArchive } from '../../src/storage/pglite-template.ts';
import { adminQuery, dropRunDatabases, templateDatabaseName, TEST_ENV, testDatabaseUrl } from './database.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Set once per vitest process: every project that needs databases names this file, one run makes them. */
const ONCE = Symbol.for('assay.test.templates');
type Global = typeof globalThis & { [ONCE]?: Promise<unknown> };

export default async function setup(): Promise<() => Promise<void>> {
  const global = globalThis as Global;
  if (global[ONCE]) {
    await global[ONCE];
    return async () => {};
  }
  const made = makeTemplates();
  global[ONCE] = made;
  return made;
}

async function makeTemplates(): Promise<() => Promise<void>> {
  const run = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const template = templateDatabaseName(run);
  const scratch = mkdtempSync(join(tmpdir(), 'assay-test-template-'));
  process.env[TEST_ENV.run] = run;
  const disarm = cleanUpIfInterrupted(run, scratch);
  const teardown = async () => {
    delete process.env[TEST_ENV.postgresTemplate];
    delete process.env[TEST_ENV.pgliteTemplate];
    try {
      await dropRunDatabases(run);
      disarm();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };
  try {
    const [, pglite] = await Promise.all([postgresTemplate(template), pgliteTemplate(scratch)]);
    process.env[TEST_ENV.postgresTemplate] = template;
    process.env[TEST_ENV.pgliteTemplate] = pglite;
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

/**
 * Ctrl-C or a kill ends vitest without its teardown: on the way out a detached process drops the
 * run's databases (drop-run.ts). Returns what turns this off once the teardown has done it.
 */
function cleanUpIfInterrupted(run: string, scratch: string): () => void {
  let armed = true;
  const cleanUp = () => {
    if (!armed) return;
    armed = false;
    rmSync(scratch, { recursive: true, force: true });
    spawn(process.execPath, ['--import', 'tsx', 'test/support/drop-run.ts', run], { cwd: ROOT, detached: true, stdio: 'ignore' }).unref();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    disarm();
    // Alone, this listener has replaced the signal's default: end the process as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const disarm = () => {
    armed = false;
    process.off('exit', cleanUp);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', cleanUp);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return disarm;
}

async function postgresTemplate(name: string): Promise<void> {
  await adminQuery(`create database ${name}`);
  const handle = await connectDatabase({ databaseUrl: testDatabaseUrl(name), poolSize: 2 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  // A copy fails while anyone is connected to its source: nobody may.
  await adminQuery(`alter database ${name} with allow_connections false`);
}

/** Sources whose change can change the migrated schema. */
const SCHEMA_SOURCES = ['src/storage/migrations', 'src/storage/migrate.ts', 'src/storage/partitions.ts', 'src/storage/pglite-extensions.ts'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), 0);
}

async function pgliteTemplate(scratch: string): Promise<string> {
  const built = usableTemplateArchive(migrationNames());
  const newestSource = Math.max(...SCHEMA_SOURCES.map((source) => newestMtime(resolve(ROOT, source))));
  if (built && statSync(built).mtimeMs >= newestSource) return built;
  const archive = join(scratch, 'pglite-template.tar.gz');
  writeFileSync(archive, Buffer.from(await (await migratedDataDir()).arrayBuffer()));
  return archive;
}
