/**
 * A Postgres cluster and a Redis server of a run's own (the fault run, the soak), on ports of their
 * own, so the run can stop and kill them without touching the machine's shared services. Both live
 * under the run's state directory (see cluster.ts) and are removed at the end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

const PG_VERSIONS = '/usr/lib/postgresql';

function pgBin(name: string): string {
  const versions = existsSync(PG_VERSIONS) ? readdirSync(PG_VERSIONS).sort() : [];
  const latest = versions.at(-1);
  if (!latest) throw new Error(`no PostgreSQL server binaries under ${PG_VERSIONS}`);
  return join(PG_VERSIONS, latest, 'bin', name);
}

/** Postgres refuses to run as root: run its tools as the `postgres` user then. */
function asPostgres(command: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface OwnPostgres {
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut, as in an outage). */
  stop(): void;
  start(): Promise<void>;
  remove(): void;
}

/** Postgres's files go in `<stateDir>/pg`; the database is `database`. */
export async function startOwnPostgres(port: number, stateDir: string, database: string): Promise<OwnPostgres> {
  const dir = join(stateDir, 'pg');
  mkdirSync(dir);
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const data = join(dir, 'data');
  asPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
  const own: OwnPostgres = {
    url,
    port,
    stop: () => asPostgres(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    start: async () => {
      asPostgres(pgBin('pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    },
    remove: () => {
      try {
        own.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await own.start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  return own;
}

export interface OwnRedis {
  url: string;
  /** Kills the server and starts an empty one on the same port: every queued job is lost. */
  restart(): Promise<void>;
  remove(): Promise<void>;
}

/** Each server's pid is appended to `<stateDir>/pids`, so a run killed outright can still be cleaned up. */
export async function startOwnRedis(port: number, stateDir: string): Promise<OwnRedis> {
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
      cwd: stateDir,
    });
    if (child.pid) appendFileSync(join(stateDir, 'pids'), `${child.pid}\n`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    probe.disconnect();
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    restart: async () => {
      await kill();
      await start();
    },
    remove: kill,
  };
}

