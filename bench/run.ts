/**
 * Runs every benchmark under bench/ (or the ones named on the command line), prints a table and
 * records the latest figures in bench/results.json, one entry per benchmark name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import type { BenchResult } from './result.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SUITES = ['ingest', 'search', 'doc-examples', 'judge', 'monitor', 'budget', 'datasets', 'evaluate', 'evaluate-memory', 'console', 'pages', 'startup', 'sessions', 'workers', 'partitions'];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? SUITES.filter((s) => wanted.some((w) => s === w || s.startsWith(w))) : SUITES;
if (wanted.length && suites.length === 0) {
  console.error(`unknown benchmark ${wanted.join(', ')}; known: ${SUITES.join(', ')}`);
  process.exit(2);
}

const resultsPath = join(here, 'results.json');
const recorded = loadRecorded();
const table = new Table({ head: ['benchmark', 'value', 'unit', 'baseline', 'ratio', 'aim'] });
let failures = 0;

for (const suite of suites) {
  let results: BenchResult[];
  try {
    const module = (await import(`./${suite}.ts`)) as { run?: () => Promise<BenchResult[]> };
    if (!module.run) continue;
    console.error(`running bench/${suite}…`);
    results = await module.run();
  } catch (error) {
    failures += 1;
    console.error(`bench/${suite} failed:`, error);
    continue;
  }
  const at = new Date().toISOString();
  for (const r of results) {
    table.push([r.name, r.value, r.unit, r.baseline ?? '', r.ratio ?? '', r.aim]);
    recorded.set(r.name, { ...r, at });
  }
}

console.log(table.toString());
writeFileSync(resultsPath, `${JSON.stringify({ benchmarks: [...recorded.values()] }, null, 2)}\n`);
process.exit(failures ? 1 : 0);

function loadRecorded(): Map<string, BenchResult & { at: string }> {
  try {
    const parsed = JSON.parse(readFileSync(resultsPath, 'utf8')) as { benchmarks: Array<BenchResult & { at: string }> };
    return new Map(parsed.benchmarks.map((b) => [b.name, b]));
  } catch {
    return new Map();
  }
}
