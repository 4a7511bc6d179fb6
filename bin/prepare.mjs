#!/usr/bin/env node
// `npm ci` runs this: it builds the web console (so `npm start` serves it on a fresh clone), the
// compiled and bundled JavaScript the CLI runs when it is fresher than the sources (fast starts),
// and the ready-made embedded database a first start unpacks. Where the sources are not there yet (a
// Docker layer that installs dependencies first), it does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);
// The first `npx assay` in a checkout links the checkout into npx's cache, and npm runs this script
// for the link (npm_command is then `exec`): the checkout's own `npm ci` built everything already,
// and building again took half a minute and emptied dist/web under a running Assay.
if (process.env.npm_command === 'exec') process.exit(0);
if (!existsSync(new URL('src/web/vite.config.ts', root))) {
  console.log('sources not present; skipping the build');
  process.exit(0);
}
const steps = [
  ['npm', ['run', 'build:web']],
  ['npx', ['tsc', '-p', 'tsconfig.build.json']],
  [process.execPath, ['bin/bundle.mjs']],
  [process.execPath, ['bin/pglite-template.mjs']],
];
for (const [command, args] of steps) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
