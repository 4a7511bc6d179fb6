/**
 * Serves the web console (built by `npm run build:web` into dist/web) at `/` from the API process:
 * same origin, same tokens. Files are public (they hold no data); every page path the console's
 * router knows falls back to index.html, so a copied link opens the same view.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from './context.ts';

/** From src/api (sources) and from dist/src/api (compiled). */
const CANDIDATES = ['../../dist/web/', '../../web/'];

export function webConsoleDir(): string | undefined {
  return CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url))).find((dir) => existsSync(`${dir}index.html`));
}

const NOT_PAGES = /^\/(api|v1|metrics|healthz|readyz)(\/|$|\?)/;

/**
 * A missing file gets a 404, not the page: the console's files are at the top level or under
 * /assets/. Deeper paths with a dot are pages (a dataset is named `schema.table`).
 */
function looksLikeFile(path: string): boolean {
  return path.startsWith('/assets/') || /^\/[^/]*\.[a-z0-9]+$/i.test(path);
}

export interface WebConsole {
  /** Whether an unmatched request should get the console's page rather than a JSON 404. */
  wantsPage(request: FastifyRequest): boolean;
  /** The console's index.html, the page of every console path. */
  readonly page: string;
}

export async function registerWebConsole(app: FastifyInstance, ctx: AppContext): Promise<WebConsole | null> {
  const root = webConsoleDir();
  if (!root) {
    ctx.log.warn({}, 'web console not built (run `npm run build:web`); serving the API only');
    return null;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), role: 'public' };
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(fastifyStatic, {
      root,
      wildcard: false,
      decorateReply: false,
      index: false,
      setHeaders: (res, path) => {
        // Hashed bundle names never change content; index.html must be revalidated.
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  });
  return {
    page: readFileSync(`${root}index.html`, 'utf8'),
    wantsPage: (request) =>
      (request.method === 'GET' || request.method === 'HEAD') &&
      !NOT_PAGES.test(request.url) &&
      !looksLikeFile(request.url.split('?')[0] ?? '') &&
      String(request.headers.accept ?? '').includes('text/html'),
  };
}
