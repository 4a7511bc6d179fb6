#!/usr/bin/env node
/**
 * After `stryker run`: reads its JSON report and records the mutation score in bench/results.json
 * (`mutation.score`: detected / valid mutants, static mutants left out), with the survivors per file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const reportPath = fileURLToPath(new URL('../reports/mutation/mutation.json', import.meta.url));
const resultsPath = fileURLToPath(new URL('../bench/results.json', import.meta.url));

const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const tally = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, RuntimeError: 0, CompileError: 0, Ignored: 0 };
const survivors = {};
for (const [file, { mutants }] of Object.entries(report.files)) {
  for (const m of mutants) {
    tally[m.status] = (tally[m.status] ?? 0) + 1;
    if (m.status === 'Survived' || m.status === 'NoCoverage') survivors[file] = (survivors[file] ?? 0) + 1;
  }
}
const detected = tally.Killed + tally.Timeout;
const valid = detected + tally.Survived + tally.NoCoverage;
const score = valid === 0 ? 0 : Math.round((detected / valid) * 10_000) / 10_000;

const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
const entry = {
  name: 'mutation.score',
  value: score,
  unit: 'ratio',
  baseline: null,
  ratio: null,
  aim: '>= 0.85',
  params: { files: Object.keys(report.files).length, mutants: valid, killed: tally.Killed, timeout: tally.Timeout, survived: tally.Survived, no_coverage: tally.NoCoverage, ignored_static: tally.Ignored, survivors },
  at: new Date().toISOString(),
};
results.benchmarks = [...results.benchmarks.filter((b) => b.name !== entry.name), entry];
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
console.log(`mutation.score ${score} (${detected} of ${valid} mutants detected; ${tally.Survived} survived, ${tally.NoCoverage} not covered)`);
