#!/usr/bin/env node
// Runs the built JavaScript when it is newer than every source file (fast: no compiler in the way):
// the bundle in dist/src/bundle (bin/bundle.mjs) or else the compiled files in dist/src; otherwise
// the TypeScript sources through tsx, so an edit is never hidden behind a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const BUILDS = [new URL('dist/src/bundle/main.js', root), new URL('dist/src/cli/main.js', root)];

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

/** The first build that exists and is newer than every source file, if any. */
function freshBuild() {
  if (process.env.ASSAY_FROM_SOURCE === '1') return undefined;
  const builds = BUILDS.filter((build) => existsSync(build));
  if (builds.length === 0) return undefined;
  const newest = Math.max(...['src', 'config', 'workers'].map((dir) => newestSource(new URL(dir, root).pathname)));
  return builds.find((build) => statSync(build).mtimeMs >= newest);
}

const build = freshBuild();
if (build) {
  await import(build.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
