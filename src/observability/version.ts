/**
 * Assay's own version, from its package.json: found by walking up from this module, which sits two
 * levels below it in the sources (src/observability) and three in a build (dist/src/…), bundled or not.
 */
import { readFileSync } from 'node:fs';

let known: string | undefined;

export function assayVersion(): string {
  known ??= readVersion(new URL('.', import.meta.url));
  return known;
}

function readVersion(start: URL): string {
  for (let dir = start; ; dir = new URL('..', dir)) {
    const manifest = readManifest(new URL('package.json', dir));
    if (manifest?.name === 'assay' && typeof manifest.version === 'string') return manifest.version;
    if (new URL('..', dir).pathname === dir.pathname) return 'unknown';
  }
}

function readManifest(file: URL): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch (error) {
    // No manifest at this level (or one that is not ours to read): keep walking up.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
