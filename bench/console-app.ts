/**
 * What the console benchmarks (bench/console.ts, bench/pages.ts) share: an Assay API over a fresh
 * Postgres database on a free port, and the timing of a request beside its baseline.
 */
import { loadConfig, type Config } from '../config/index.ts';
import { buildApp } from '../src/api/app.ts';
import { createContext } from '../src/services/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { InProcessQueue } from '../src/queue/in-process-queue.ts';
import type { Db } from '../src/storage/connect.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { median, round, type BenchResult } from './result.ts';

export interface BenchApp {
  db: Db;
  config: Config;
  url: string;
  /** GET of a JSON route; throws with the body on a status other than 2xx. */
  get(path: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startBenchApp(): Promise<BenchApp> {
  const database = await createTestDatabase('postgres');
  const config = loadConfig({ ASSAY_LOG_LEVEL: 'silent', ASSAY_OFFLINE_JUDGE: 'true' });
  const ctx = createContext({ config, db: database.db, dbKind: 'postgres', queue: new InProcessQueue(silentLogger), log: silentLogger });
  const app = await buildApp(ctx);
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      db: database.db,
      config,
      url,
      get: async (path) => {
        const response = await fetch(`${url}${path}`);
        if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        return response.json() as Promise<Record<string, unknown>>;
      },
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await app.close();
    await database.drop();
    throw error;
  }
}

/** Median time of `a` and of `b`, interleaved so both see the same machine load. */
export async function timeBoth(a: () => Promise<unknown>, b: () => Promise<unknown>, runs: number): Promise<{ value: number; baseline: number }> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    await a();
    ta.push(performance.now() - start);
    start = performance.now();
    await b();
    tb.push(performance.now() - start);
  }
  return { value: median(ta), baseline: median(tb) };
}

/** A timing in ms beside its baseline, as recorded. */
export function msResult(name: string, t: { value: number; baseline: number }, aim: string, params: Record<string, unknown>): BenchResult {
  return { name, value: round(t.value, 1), unit: 'ms', baseline: round(t.baseline, 1), ratio: round(t.value / t.baseline, 2), aim, params };
}
