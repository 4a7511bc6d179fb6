#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) into dist/src/bundle/: our modules and
// kysely's (hundreds of small files each, which Node resolves and links one by one) become a few
// chunks, split where the code imports lazily so a command still loads only what it runs. Other
// packages stay external: they are CommonJS (cheap to load), or find files beside their own code
// (PGlite's WebAssembly, pino's worker threads). Run by `npm ci` and `npm run build`; bin/assay.mjs
// runs the bundle when it is newer than every source file.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
/** Packages bundled in: pure ECMAScript modules, many files, nothing read from beside them. */
const BUNDLED = new Set(['kysely']);

const { dependencies } = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const outdir = new URL('dist/src/bundle', root).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root.pathname,
  entryPoints: ['dist/src/cli/main.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // At dist/src/<dir>/ like the compiled code, so paths made from import.meta.url (the console's
  // files, the embedded database template) resolve the same from either.
  outdir,
  chunkNames: '[name]-[hash]',
  external: Object.keys(dependencies).filter((name) => !BUNDLED.has(name)),
  logLevel: 'warning',
});
console.log('bundled: dist/src/bundle/main.js');
