/**
 * Runs the `assay` CLI as a child process, the way an operator does: `node bin/assay.mjs …` with
 * its own environment, output collected for assertions on what it printed and logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The version package.json gives, which `assay --version`, the logs and /metrics must say. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface AssayProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** stdout lines that are JSON log records. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/** The parent's environment without anything that would point the child at shared services. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('ASSAY_') || key === 'DATABASE_URL' || key === 'REDIS_URL' || key === 'OPENAI_API_KEY') delete env[key];
  }
  return env;
}

/**
 * `entry`: the launcher (TypeScript through tsx, the default) or the compiled `dist/src/cli/main.js`.
 * The metrics listener is off unless `env` sets ASSAY_METRICS_PORT (a `freePort()`), so processes of
 * parallel tests never contend for the default 9464.
 */
export function spawnAssay(args: string[], env: Record<string, string>, entry = 'bin/assay.mjs', stdin?: string): AssayProcess {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: ROOT,
    // No metrics listener or gRPC receiver unless a test asks (several processes would want ports 9464
    // and 4317), and a free SQL port unless the test names one: spawned processes run side by side.
    env: { ...baseEnv(), NODE_ENV: 'production', ASSAY_METRICS_PORT: 'off', ASSAY_OTLP_GRPC_PORT: 'off', ASSAY_SQL_PORT: '0', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out.split('\n').flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
  };
}

/** Runs a CLI command to completion, with `stdin` as its standard input when given. */
export async function runAssay(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = spawnAssay(args, env, 'bin/assay.mjs', stdin);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A fresh data directory; `cleanup` removes it. */
export function tempDataDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'assay-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Newest modification time of the TypeScript sources (the console has its own build: skipped). */
function newestSource(): number {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return path.endsWith('/src/web') ? m : Math.max(m, newest(path));
      return e.name.endsWith('.ts') ? Math.max(m, statSync(path).mtimeMs) : m;
    }, 0);
  return Math.max(...['src', 'config', 'workers'].map((d) => newest(join(ROOT, d))));
}

function isFresh(build: string, sources = newestSource()): boolean {
  return existsSync(join(ROOT, build)) && statSync(join(ROOT, build)).mtimeMs >= sources;
}

/** dist/src/cli/main.js (tsc's output) exists and is newer than every source file. */
export function compiledIsFresh(): boolean {
  return isFresh('dist/src/cli/main.js');
}

/** What bin/assay.mjs runs, as it chooses: the bundle or tsc's output when newer than every source. */
export function freshBuild(): string | undefined {
  const sources = newestSource();
  return ['dist/src/bundle/main.js', 'dist/src/cli/main.js'].find((build) => isFresh(build, sources));
}
