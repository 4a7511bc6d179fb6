#!/usr/bin/env node
/**
 * Runs the whole suite with vitest's JSON reporter and records each test file's duration in
 * test/file-durations.json (seconds, slowest first), which the suite's sequencer uses to start the
 * slowest files first. Run on a quiet machine after adding or slowing down test files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'assay-durations-'));
const report = join(dir, 'report.json');
try {
  const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`], { cwd: root, stdio: 'inherit' });
  // Not process.exit here: it would skip the `finally` and leave the report's directory behind.
  if (run.status === 0) record();
  else process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function record() {
  const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
  const durations = testResults
    .map((file) => [relative(root, file.name), Math.round((file.endTime - file.startTime) / 100) / 10])
    .sort((a, b) => b[1] - a[1]);
  writeFileSync(join(root, 'test/file-durations.json'), `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`);
  console.log(`recorded ${durations.length} files in test/file-durations.json`);
}
