/**
 * The auth matrix, generated from the routes the application registered: every route × no token,
 * malformed, unknown and revoked tokens, and each role. A new route is covered the moment it is
 * registered, and fails here until it declares the role it needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable, type RouteEntry } from '../../src/api/route-table.ts';
import { revokeToken } from '../../src/storage/token-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const ROLES = ['reader', 'writer', 'admin'] as const;
type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };
const DECLARED = ['public', ...ROLES];

/** A concrete URL for a route: every parameter and wildcard filled with a name that exists nowhere. */
const urlOf = (route: RouteEntry) => route.url.replace(/:[A-Za-z_]+/g, 'matrix-none').replace(/\*/g, 'matrix-none');
const label = (route: RouteEntry) => `${route.method} ${route.url}`;

describe('auth matrix over every registered route', () => {
  let t: TestApp;
  let routes: RouteEntry[];
  const tokens = {} as Record<Role | 'revoked', Record<string, string>>;

  beforeAll(async () => {
    // The console too: its pages and assets are routes that must stay public.
    t = await startTestApp({ env: { ASSAY_UI: 'true' } });
    for (const role of ROLES) tokens[role] = await t.tokenHeaders(role, `matrix-${role}`);
    tokens.revoked = await t.tokenHeaders('admin', 'matrix-revoked');
    await revokeToken(t.ctx.db, 'matrix-revoked');
    routes = routeTable(t.app);
  });
  afterAll(async () => t?.close());

  const call = (route: RouteEntry, headers: Record<string, string>) =>
    t.app.inject({ method: route.method as 'GET', url: urlOf(route), headers });

  it('sees the whole API, console included', () => {
    const seen = new Set(routes.map((r) => `${label(r)} ${r.role}`));
    for (const expected of [
      'GET /healthz public',
      'GET /api/v1/openapi.json public',
      'GET /api/v1/experiments reader',
      'POST /v1/traces writer',
      'POST /api/v1/experiments/:id/traces writer',
      'PUT /api/v1/experiments/:id/monitor admin',
      'POST /api/v1/tokens admin',
      'DELETE /api/v1/evaluations/:id writer',
    ]) {
      expect(seen, expected).toContain(expected);
    }
    expect(routes.filter((r) => r.url.startsWith('/assets/')).length).toBeGreaterThan(0);
    expect(routes.length).toBeGreaterThan(50);
  });

  it('finds a declared role on every route', () => {
    const undeclared = routes.filter((r) => !DECLARED.includes(r.role ?? '')).map(label);
    expect(undeclared, 'routes without config.role').toEqual([]);
  });

  it('answers public routes without a token', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.role === 'public')) {
      const res = await call(route, {});
      if (res.statusCode === 401 || res.statusCode === 403) refused.push(`${label(route)} → ${res.statusCode}`);
    }
    expect(refused).toEqual([]);
  });

  it('refuses every other route without a valid token: 401 UNAUTHENTICATED', async () => {
    const credentials: Record<string, Record<string, string>> = {
      none: {},
      'basic scheme': { authorization: 'Basic dXNlcjpwYXNz' },
      'empty bearer': { authorization: 'Bearer ' },
      'two words': { authorization: 'Bearer a b' },
      unknown: { authorization: 'Bearer assay_matrix-not-a-token-0000000000000000' },
      revoked: tokens.revoked,
    };
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.role !== 'public')) {
      for (const [name, headers] of Object.entries(credentials)) {
        const res = await call(route, headers);
        const body = res.json();
        if (res.statusCode !== 401 || body.error_code !== 'UNAUTHENTICATED' || typeof body.message !== 'string') {
          wrong.push(`${label(route)} with ${name} → ${res.statusCode} ${res.body.slice(0, 80)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(ROLES)('lets a %s token through exactly the routes its role covers, and refuses the rest with 403', async (role) => {
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.role !== 'public')) {
      const res = await call(route, tokens[role]);
      const needed = route.role as Role;
      if (RANK[role] < RANK[needed]) {
        const body = res.json();
        const named = typeof body.message === 'string' && body.message.includes(`matrix-${role}`) && body.message.includes(needed);
        if (res.statusCode !== 403 || body.error_code !== 'PERMISSION_DENIED' || !named) {
          wrong.push(`${label(route)} → ${res.statusCode} ${res.body.slice(0, 80)} (needs ${needed})`);
        }
      } else if (res.statusCode === 401 || res.statusCode === 403) {
        wrong.push(`${label(route)} → ${res.statusCode} ${res.body.slice(0, 80)} (needs ${needed})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
