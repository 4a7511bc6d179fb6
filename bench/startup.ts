/**
 * How fast Assay starts, as an operator starts it (`node bin/assay.mjs …` in a child process):
 * - startup.cold: `assay start` on an empty data directory (initdb and every migration included)
 *   until /healthz answers;
 * - startup.warm: the same on the data directory the cold start left, already migrated;
 * - cli.help: `assay --help` to its exit.
 * Each beside a bare `node -e ''` measured in the same run (the floor any Node command pays).
 *
 * Alone: `npx tsx bench/startup.ts`; with the others: `npm run bench -- startup`.
 * BENCH_STARTUP_RUNS sets the number of runs per figure (default 3; 5 for the CLI).
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { freePort, spawnAssay, tempDataDir } from '../test/support/spawn-assay.ts';
import { median, round, type BenchResult } from './result.ts';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);

/** Milliseconds from spawn to exit of `node args…`. */
async function timeNode(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore', cwd: new URL('..', import.meta.url) });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return performance.now() - started;
}

/** Milliseconds from spawning `assay start` to its first healthy /healthz; then stops it. */
async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  const sqlPort = await freePort();
  const started = performance.now();
  const p = spawnAssay(['start'], { ASSAY_PORT: String(port), ASSAY_SQL_PORT: String(sqlPort), ASSAY_DATA_DIR: dataDir, ASSAY_LOG_LEVEL: 'warn' });
  try {
    for (;;) {
      if (p.child.exitCode !== null) throw new Error(`assay start exited early: ${p.stderr()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
}

export async function run(): Promise<BenchResult[]> {
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < Math.max(RUNS, 5); i++) {
    bare.push(await timeNode(['-e', '']));
    help.push(await timeNode(['bin/assay.mjs', '--help']));
  }
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = tempDataDir();
    try {
      cold.push(await timeStart(dir.dir));
      warm.push(await timeStart(dir.dir));
    } finally {
      dir.cleanup();
    }
  }
  const baseline = round(median(bare), 0);
  const figure = (name: string, times: number[], aim: string, params: Record<string, unknown>): BenchResult => {
    const value = round(median(times), 0);
    return { name, value, unit: 'ms', baseline, ratio: round(value / baseline, 1), aim, params: { runs: times.length, ...params } };
  };
  return [
    figure('startup.cold', cold, 'value < 3000 ms', { data_dir: 'empty', until: '/healthz 200' }),
    figure('startup.warm', warm, 'value < 1500 ms', { data_dir: 'migrated', until: '/healthz 200' }),
    figure('cli.help', help, 'value < 400 ms', { command: 'assay --help' }),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
