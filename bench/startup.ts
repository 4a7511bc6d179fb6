/**
 * How fast Assay starts, as an operator starts it (`node bin/assay.mjs …` in a child process):
 * - startup.cold: `assay start` on an empty data directory (initdb and every migration included)
 *   until /healthz answers;
 * - startup.warm: the same on the data directory the cold start left, already migrated;
 * - cli.help: `assay --help` to its exit.
 * Each beside a bare `node -e ''` measured in the same run (the floor any Node command pays).
 * The starts also record the CPU the process used until it answered (user + system, from
 * /proc/PID/stat on Linux): on a machine shared with other work, the elapsed time mostly measures
 * the neighbours, the CPU time what the start itself costs. `build` says what bin/assay.mjs ran
 * (run `npm run build` first: a stale build makes it run the sources through tsx).
 *
 * Alone: `npx tsx bench/startup.ts`; with the others: `npm run bench -- startup`.
 * BENCH_STARTUP_RUNS sets the number of runs per figure (default 3; 5 for the CLI).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { freePort, freshBuild, spawnAssay, tempDataDir } from '../test/support/spawn-assay.ts';
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

/** CPU milliseconds (user + system) process `pid` has used so far; undefined where /proc is not. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    // utime and stime are fields 14 and 15, in clock ticks (100 a second); the name (field 2) ends in ") ".
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}


/** Milliseconds from spawning `assay start` to its first healthy /healthz, and the CPU it used; then stops it. */
async function timeStart(dataDir: string): Promise<{ ms: number; cpu: number | undefined }> {
  const port = await freePort();
  const sqlPort = await freePort();
  const started = performance.now();
  const p = spawnAssay(['start'], { ASSAY_PORT: String(port), ASSAY_SQL_PORT: String(sqlPort), ASSAY_DATA_DIR: dataDir, ASSAY_LOG_LEVEL: 'warn' });
  try {
    for (;;) {
      if (p.child.exitCode !== null) throw new Error(`assay start exited early: ${p.stderr()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return { ms: performance.now() - started, cpu: cpuMs(p.child.pid) };
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
  const cold: Array<{ ms: number; cpu: number | undefined }> = [];
  const warm: Array<{ ms: number; cpu: number | undefined }> = [];
  const load = loadavg()[0]!;
  for (let i = 0; i < RUNS; i++) {
    const dir = tempDataDir();
    try {
      cold.push(await timeStart(dir.dir));
      warm.push(await timeStart(dir.dir));
    } finally {
      dir.cleanup();
    }
  }
  const cpu = (runs: typeof cold) => {
    const known = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
    return known.length ? round(median(known), 0) : null;
  };
  const build = freshBuild() ?? 'sources through tsx';
  const baseline = round(median(bare), 0);
  const figure = (name: string, times: number[], aim: string, params: Record<string, unknown>): BenchResult => {
    const value = round(median(times), 0);
    return { name, value, unit: 'ms', baseline, ratio: round(value / baseline, 1), aim, params: { runs: times.length, ...params } };
  };
  return [
    figure('startup.cold', cold.map((r) => r.ms), 'value < 3000 ms', { data_dir: 'empty', until: '/healthz 200', cpu_ms: cpu(cold), build, load_average: round(load, 1) }),
    figure('startup.warm', warm.map((r) => r.ms), 'value < 1500 ms', { data_dir: 'migrated', until: '/healthz 200', cpu_ms: cpu(warm), build, load_average: round(load, 1) }),
    figure('cli.help', help, 'value < 400 ms', { command: 'assay --help' }),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
