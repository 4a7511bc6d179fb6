/**
 * Assay as production runs it, for the fault run and the soak: a Postgres and a Redis of the run's
 * own, and the API, workers and schedulers as separate processes started on demand. Everything the
 * run leaves on disk lives in one state directory (`/tmp/assay-<name>-*`), with the pid of every
 * process started in its `pids` file, so `faults/cleanup.sh` can remove a run that was killed
 * outright. `close()` (also on SIGINT/SIGTERM) kills the processes and removes the directory.
 */
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnAssay, type AssayProcess } from '../test/support/spawn-assay.ts';
import { startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from './services.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Progress lines on stderr, stamped with the time of day. */
export function sayer(name: string): (message: string) => void {
  return (message) => console.error(`[${name} ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Polls `probe` until it answers; errors count as "not yet" (a service may be down on purpose). */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // try again
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface Started {
  role: string;
  child: AssayProcess;
}

export interface Cluster {
  stateDir: string;
  postgres: OwnPostgres;
  redis: OwnRedis;
  /** The environment every process gets (before its own extras). */
  env: Record<string, string>;
  /** The API's base URL. */
  base: string;
  /** Every process started, in order, with its role. */
  started: Started[];
  start(role: string, extra?: Record<string, string>): AssayProcess;
  /** Starts the API and waits until it is ready. */
  startApi(): Promise<AssayProcess>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read by field, as a client would
  api(method: string, path: string, body?: unknown): Promise<any>;
  /** The last lines of every process's output, for a diagnosis. */
  tails(lines?: number): string;
  close(): Promise<void>;
}

export async function startCluster(name: string, env: Record<string, string>): Promise<Cluster> {
  const stateDir = mkdtempSync(join(tmpdir(), `assay-${name}-`));
  // Postgres runs as its own user and must reach its directory inside this one.
  chmodSync(stateDir, 0o755);
  const pgPort = await freePort();
  const redisPort = await freePort();
  const apiPort = await freePort();
  const running = new Set<AssayProcess>();
  const started: Started[] = [];
  let postgres: OwnPostgres | undefined;
  let redis: OwnRedis | undefined;
  let closing: Promise<void> | undefined;

  const close = () =>
    (closing ??= (async () => {
      for (const child of running) child.child.kill('SIGKILL');
      await Promise.all([...running].map((c) => c.exited));
      await redis?.remove().catch(() => undefined);
      try {
        postgres?.remove();
      } catch {
        // removed below with the directory
      }
      rmSync(stateDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the ${name} run's processes and removing ${stateDir}`);
    void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    postgres = await startOwnPostgres(pgPort, stateDir, `assay_${name}`);
    redis = await startOwnRedis(redisPort, stateDir);
  } catch (error) {
    await close();
    throw error;
  }
  const fullEnv = {
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    ASSAY_PORT: String(apiPort),
    ASSAY_QUEUE_PREFIX: name,
    ASSAY_LOG_LEVEL: 'warn',
    ASSAY_UI: 'false',
    ASSAY_OTLP_GRPC_PORT: 'off',
    ASSAY_METRICS_PORT: 'off',
    ...env,
  };
  const base = `http://127.0.0.1:${apiPort}`;

  const start = (role: string, extra: Record<string, string> = {}) => {
    const child = spawnAssay([role], { ...fullEnv, ...extra });
    if (child.child.pid) appendFileSync(join(stateDir, 'pids'), `${child.child.pid}\n`);
    running.add(child);
    started.push({ role, child });
    void child.exited.then(() => running.delete(child));
    return child;
  };

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    stateDir,
    postgres,
    redis,
    env: fullEnv,
    base,
    started,
    start,
    startApi: async () => {
      const apiProcess = start('api');
      await until('the API to be ready', async () => (await fetch(`${base}/readyz`)).ok, 180_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${apiProcess.stderr()}${apiProcess.stdout()}`);
      });
      return apiProcess;
    },
    api,
    tails: (lines = 25) =>
      started
        .map(({ role, child }) => {
          const state = child.child.exitCode ?? child.child.signalCode ?? 'running';
          const output = (child.stderr() + child.stdout()).split('\n').slice(-lines).join('\n');
          return `--- ${role} (pid ${child.child.pid}, exit ${state})\n${output}`;
        })
        .join('\n'),
    close,
  };
}
