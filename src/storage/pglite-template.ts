/**
 * A ready-made embedded database: the data directory of a fresh PGlite with every migration applied,
 * as a tarball made at build time (`npm ci`, `npm run build`). A first start on an empty data
 * directory unpacks it instead of running initdb and the migrations — seconds instead of tens of
 * seconds. Used only when it was made by the same PGlite version and its migrations are all still
 * known; anything it lacks is migrated as usual right after. Dumped after a checkpoint, so a first
 * start has no write-ahead log to replay.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { untarGzip } from './untar.ts';

interface TemplateInfo {
  pglite: string;
  migrations: string[];
}

/** dist/pglite-template.tar.gz, from the sources (src/storage) or the compiled code (dist/src/storage). */
function templateFiles(): { archive: string; info: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = here.includes('/dist/src/') ? `${here}/../..` : `${here}/../../dist`;
  return { archive: resolve(dist, 'pglite-template.tar.gz'), info: resolve(dist, 'pglite-template.json') };
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@electric-sql/pglite');
  // …/node_modules/@electric-sql/pglite/dist/index.cjs → its package.json
  const manifest = JSON.parse(readFileSync(`${entry.slice(0, entry.lastIndexOf('/dist/'))}/package.json`, 'utf8')) as { version: string };
  return manifest.version;
}

/** The template's archive when it is fit to use (made by this PGlite version, every migration still known). */
export function usableTemplateArchive(knownMigrations: readonly string[]): string | undefined {
  const files = templateFiles();
  if (!existsSync(files.archive) || !existsSync(files.info)) return undefined;
  try {
    const info = JSON.parse(readFileSync(files.info, 'utf8')) as TemplateInfo;
    if (info.pglite !== pgliteVersion()) return undefined;
    if (!info.migrations.every((name) => knownMigrations.includes(name))) return undefined;
    return files.archive;
  } catch {
    return undefined;
  }
}

/**
 * Unpacks the template into `location` (a data directory without a database yet) when there is one
 * fit to use; false when there is none (PGlite then runs initdb). Unpacked beside it and renamed into
 * place, so a start stopped halfway leaves no half-made database behind.
 */
export function unpackTemplate(knownMigrations: readonly string[], location: string): boolean {
  const path = usableTemplateArchive(knownMigrations);
  // A directory that already holds files is left to PGlite, as it is when there is no template.
  if (!path || readdirSync(location).length > 0) return false;
  let archive: Buffer;
  try {
    archive = readFileSync(path);
  } catch {
    return false;
  }
  const unpacking = `${location}.unpacking`;
  rmSync(unpacking, { recursive: true, force: true });
  try {
    untarGzip(archive, unpacking);
  } catch {
    rmSync(unpacking, { recursive: true, force: true });
    return false;
  }
  rmdirSync(location);
  renameSync(unpacking, location);
  return true;
}

/** The template as PGlite's `loadDataDir` takes it (an in-memory database), when there is one fit to use. */
export function templateDump(knownMigrations: readonly string[]): Blob | undefined {
  const path = usableTemplateArchive(knownMigrations);
  if (!path) return undefined;
  try {
    return dumpOf(path);
  } catch {
    return undefined;
  }
}

/**
 * A gzipped data directory dump as a plain tar for `loadDataDir`: inflated here by zlib (~90 ms for
 * the 44 MB template), where PGlite inflates a gzipped one through a web stream, a third of each
 * database's start.
 */
export function dumpOf(archive: string): Blob {
  return new Blob([gunzipSync(readFileSync(archive))], { type: 'application/x-tar' });
}

/** A fresh in-memory PGlite with every migration applied: its data directory as a gzipped tarball. */
export async function migratedDataDir(): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('./pglite-dialect.ts');
  const { migrateToLatest } = await import('./migrate.ts');
  const { pgliteExtensions } = await import('./pglite-extensions.ts');
  const pglite = await PGlite.create('memory://', { extensions: await pgliteExtensions() });
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  try {
    await migrateToLatest(db);
    await pglite.exec('checkpoint');
    return await pglite.dumpDataDir('gzip');
  } finally {
    await db.destroy();
    await pglite.close();
  }
}

/** Builds the template (dist/pglite-template.tar.gz and its description). */
export async function writeTemplate(): Promise<string> {
  const { migrationNames } = await import('./migrate.ts');
  const archive = await migratedDataDir();
  const files = templateFiles();
  mkdirSync(dirname(files.archive), { recursive: true });
  writeFileSync(files.archive, Buffer.from(await archive.arrayBuffer()));
  writeFileSync(files.info, `${JSON.stringify({ pglite: pgliteVersion(), migrations: migrationNames() } satisfies TemplateInfo)}\n`);
  return files.archive;
}
