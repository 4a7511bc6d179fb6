#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ when it is built and newer than every source file (fast:
// no compiler in the way), otherwise the TypeScript sources through tsx, so an edit is never
// hidden behind a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const compiled = new URL('dist/src/cli/main.js', root);

/** Newest modification time under a source directory (the console has its own build: skipped). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (path.endsWith('/src/web')) continue;
      newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.ASSAY_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return ['src', 'config', 'workers'].every((dir) => newestSource(new URL(dir, root).pathname) <= built);
}

if (compiledIsFresh()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
