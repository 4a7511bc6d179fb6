/** Every view and the URL state that reopens it (experiment, range, filter, order, selected trace). */
import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { Shell } from './shell/shell';
import { parseSearch, stringifySearch } from './lib/search-params';
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

export interface DatasetSearch extends ShellSearch {
  q?: string;
  version?: number;
  view?: 'records' | 'versions' | 'diff';
  diff_from?: number;
  diff_to?: number;
}

export interface RunSearch extends ShellSearch {
  judge?: string;
}

export interface CompareSearch extends ShellSearch {
  a?: string;
  b?: string;
  dataset?: string;
}

export interface LabelerSearch extends ShellSearch {
  /** The position (0-based) of the trace being labeled. */
  i?: number;
}

export const overviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/overview',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./overview/overview-page'), 'OverviewPage'),
});

export const datasetsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datasets',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./datasets/datasets-page'), 'DatasetsPage'),
});

const VIEWS = ['records', 'versions', 'diff'] as const;

export const datasetRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/datasets/$name',
  validateSearch: (s: Record<string, unknown>): DatasetSearch => clean({
    ...shellSearch(s),
    q: str(s.q),
    version: num(s.version),
    view: VIEWS.includes(s.view as never) ? (s.view as DatasetSearch['view']) : undefined,
    diff_from: num(s.diff_from),
    diff_to: num(s.diff_to),
  }),
  component: lazyRouteComponent(() => import('./datasets/dataset-page'), 'DatasetPage'),
});

export const labelingRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/labeling',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./labeling/sessions-page'), 'SessionsPage'),
});

export const labelerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/labeling/$sessionId',
  validateSearch: (s: Record<string, unknown>): LabelerSearch => clean({ ...shellSearch(s), i: num(s.i) }),
  component: lazyRouteComponent(() => import('./labeling/labeler-page'), 'LabelerPage'),
});

export const evaluationsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/evaluations',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./evaluations/runs-page'), 'RunsPage'),
});

export const compareRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/evaluations/compare',
  validateSearch: (s: Record<string, unknown>): CompareSearch => clean({ ...shellSearch(s), a: str(s.a), b: str(s.b), dataset: str(s.dataset) }),
  component: lazyRouteComponent(() => import('./evaluations/compare-page'), 'ComparePage'),
});

export const runRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/evaluations/$runId',
  validateSearch: (s: Record<string, unknown>): RunSearch => clean({ ...shellSearch(s), judge: str(s.judge) }),
  component: lazyRouteComponent(() => import('./evaluations/run-page'), 'RunPage'),
});

export interface SessionsSearch extends ShellSearch {
  /** Session id contains. */
  q?: string;
  user?: string;
  filter?: string;
}

export interface AgreementSearch extends ShellSearch {
  /** The judge (feedback name) shown in detail. */
  judge?: string;
}

export const sessionsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sessions',
  validateSearch: (s: Record<string, unknown>): SessionsSearch => clean({ ...shellSearch(s), q: str(s.q), user: str(s.user), filter: str(s.filter) }),
  component: lazyRouteComponent(() => import('./sessions/sessions-page'), 'SessionsPage'),
});

export const sessionRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sessions/$sessionId',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./sessions/session-page'), 'SessionPage'),
});

export const agreementRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/judges',
  validateSearch: (s: Record<string, unknown>): AgreementSearch => clean({ ...shellSearch(s), judge: str(s.judge) }),
  component: lazyRouteComponent(() => import('./judges/agreement-page'), 'AgreementPage'),
});

export const tokensRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tokens',
  validateSearch: (s: Record<string, unknown>): ShellSearch => clean(shellSearch(s)),
  component: lazyRouteComponent(() => import('./tokens/tokens-page'), 'TokensPage'),
});

const routeTree = rootRoute.addChildren([
  indexRoute, tracesRoute, traceRoute, monitorRoute, overviewRoute, datasetsRoute, datasetRoute,
  labelingRoute, labelerRoute, evaluationsRoute, compareRoute, runRoute, tokensRoute, sessionsRoute, sessionRoute,
  agreementRoute,
]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', parseSearch, stringifySearch });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
