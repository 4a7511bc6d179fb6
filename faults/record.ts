/** Records fault-run figures in bench/results.json beside the benchmarks, so they are followed alike. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../bench/result.ts';

const resultsPath = fileURLToPath(new URL('../bench/results.json', import.meta.url));

export function recordResults(results: BenchResult[]): void {
  const parsed = JSON.parse(readFileSync(resultsPath, 'utf8')) as { benchmarks: Array<BenchResult & { at: string }> };
  const byName = new Map(parsed.benchmarks.map((b) => [b.name, b]));
  const at = new Date().toISOString();
  for (const r of results) byName.set(r.name, { ...r, at });
  writeFileSync(resultsPath, `${JSON.stringify({ benchmarks: [...byName.values()] }, null, 2)}\n`);
}
