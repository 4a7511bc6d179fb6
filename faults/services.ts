/**
 * A Postgres cluster and a Redis server of the fault run's own, on ports of their own, so the run
 * can stop and kill them without touching the machine's shared services. Both are removed at the end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
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

export async function startOwnPostgres(port: number): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'assay-faults-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const data = join(dir, 'data');
  asPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  const url = `postgres://postgres@127.0.0.1:${port}/assay_faults`;
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
  await admin.query('create database assay_faults');
  await admin.end();
  return own;
}

export interface OwnRedis {
  url: string;
  /** Kills the server and starts an empty one on the same port: every queued job is lost. */
  restart(): Promise<void>;
  remove(): Promise<void>;
}

export async function startOwnRedis(port: number): Promise<OwnRedis> {
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
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

