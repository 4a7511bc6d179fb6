#!/usr/bin/env node
// `npm ci` runs this: it builds the web console so `npm start` serves it on a fresh clone. Where
// the sources are not there yet (a Docker layer that installs dependencies first), it does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../src/web/vite.config.ts', import.meta.url))) {
  console.log('web console sources not present; skipping its build');
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
process.exit(result.status ?? 1);
