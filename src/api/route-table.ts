/**
 * Every route the application registered, with the role it declared: what the auth matrix test
 * walks, so a new route is covered (and must declare its role) without anyone adding it by hand.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
  /** The role in the route's `config`, or undefined when it declared none (auth then assumes 'reader'). */
  role: string | undefined;
}

const tables = new WeakMap<FastifyInstance, RouteOptions[]>();

/** Starts recording the routes registered on `app` from now on, child scopes included (an `onRoute` hook). */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  tables.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
}

/** The recorded routes, one entry per method (HEAD, which Fastify adds to every GET, left out). */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  // Read at call time: a scope's own onRoute hook (the console's) may set the role after ours ran.
  return (tables.get(app) ?? []).flatMap((route) =>
    [route.method]
      .flat()
      .filter((method) => method !== 'HEAD')
      .map((method) => ({ method, url: route.url, role: (route.config as { role?: string } | undefined)?.role })),
  );
}

/** The recorded routes' own options (the OpenAPI document registers them again). */
export function recordedRoutes(app: FastifyInstance): readonly RouteOptions[] {
  return tables.get(app) ?? [];
}
