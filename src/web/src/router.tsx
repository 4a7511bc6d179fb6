/** Every view and the URL state that reopens it (experiment, range, filter, order, selected trace). */
import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { Shell } from './shell/shell';
import type { RangeKey } from './lib/time-range';

export interface ShellSearch {
  exp?: string;
  range?: RangeKey;
  from?: number;
  to?: number;
}

export interface TracesSearch extends ShellSearch {
  filter?: string;
  order?: string;
}

export interface MonitorSearch extends ShellSearch {
  bucket?: 'run' | 'hour';
}

const RANGES: RangeKey[] = ['1h', '24h', '7d', 'all', 'custom'];
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

function shellSearch(s: Record<string, unknown>): ShellSearch {
  const range = RANGES.includes(s.range as RangeKey) ? (s.range as RangeKey) : undefined;
  return { exp: str(s.exp), range, from: num(s.from), to: num(s.to) };
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const rootRoute = createRootRoute({ component: Shell });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/traces' });
  },
});

export const tracesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/traces',
  validateSearch: (s: Record<string, unknown>): TracesSearch => clean({ ...shellSearch(s), filter: str(s.filter), order: str(s.order) }),
  component: lazyRouteComponent(() => import('./traces/traces-page'), 'TracesPage'),
});

export const traceRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/traces/$traceId',
  validateSearch: (s: Record<string, unknown>): TracesSearch & { span?: string } => clean({ ...shellSearch(s), filter: str(s.filter), order: str(s.order), span: str(s.span) }),
  component: lazyRouteComponent(() => import('./traces/trace-page'), 'TracePage'),
});

export const monitorRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/monitor',
  validateSearch: (s: Record<string, unknown>): MonitorSearch => clean({ ...shellSearch(s), bucket: s.bucket === 'hour' ? 'hour' : s.bucket === 'run' ? 'run' : undefined }),
  component: lazyRouteComponent(() => import('./monitors/monitor-page'), 'MonitorPage'),
});

const routeTree = rootRoute.addChildren([indexRoute, tracesRoute, traceRoute, monitorRoute]);

export const router = createRouter({ routeTree, defaultPreload: 'intent' });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
