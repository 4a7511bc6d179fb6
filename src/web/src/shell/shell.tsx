/** The frame of every page: navigation, experiment switcher, time range, sign-in when tokens exist. */
import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState, useSearch } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, ApiError, ok } from '../api/client';
import type { ShellSearch } from '../router';
import { RangePicker } from './range-picker';
import { useWhoami } from './session';
import { SignIn } from './sign-in';
import { getToken, setToken } from './token';

const PAGES: ReadonlyArray<{ to: '/overview' | '/traces' | '/sessions' | '/datasets' | '/labeling' | '/judges' | '/evaluations' | '/monitor' | '/tokens'; label: string; admin?: boolean }> = [
  { to: '/overview', label: 'Overview' },
  { to: '/traces', label: 'Traces' },
  { to: '/sessions', label: 'Sessions' },
  { to: '/datasets', label: 'Datasets' },
  { to: '/labeling', label: 'Labeling' },
  { to: '/judges', label: 'Judge agreement' },
  { to: '/evaluations', label: 'Evaluations' },
  { to: '/monitor', label: 'Monitor' },
  { to: '/tokens', label: 'Tokens', admin: true },
];

/** A page of one thing (a trace, a session, a run) belongs to one experiment: switching goes to its list. */
function listOf(pathname: string): string {
  const parent = ['/traces/', '/sessions/', '/labeling/', '/evaluations/'].find((p) => pathname.startsWith(p));
  return parent ? parent.slice(0, -1) : '.';
}

export function useExperiments() {
  return useQuery({ queryKey: ['experiments'], queryFn: async () => ok(await api.GET('/api/v1/experiments')).experiments });
}

export function Shell() {
  const whoami = useWhoami();
  if (whoami.error) {
    if (whoami.error instanceof ApiError && whoami.error.status === 401) return <SignIn failed={getToken() !== null} />;
    return <p className="page-error" role="alert">Cannot reach Assay: {whoami.error.message}</p>;
  }
  // The page's own requests start alongside whoami rather than after it; a 401 shows the sign-in instead.
  return (
    <Frame
      name={whoami.data?.name ?? '…'}
      role={whoami.data?.role ?? ''}
      authRequired={whoami.data?.auth_required ?? false}
      version={whoami.data?.version ?? ''}
    />
  );
}

function Frame({ name, role, authRequired, version }: { name: string; role: string; authRequired: boolean; version: string }) {
  const search = useSearch({ strict: false }) as { exp?: string };
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const experiments = useExperiments();
  const first = experiments.data?.[0]?.experiment_id;
  useEffect(() => {
    if (!search.exp && first) void navigate({ to: '.', search: ((prev: ShellSearch) => ({ ...prev, exp: first })) as never, replace: true });
  }, [search.exp, first, navigate]);
  const keep = (prev: ShellSearch): ShellSearch => ({ exp: prev.exp, range: prev.range, from: prev.from, to: prev.to });
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/traces" search={keep as never} className="brand">Assay</Link>
        {version && <span className="version" title={`Assay ${version}`}>v{version}</span>}
        <nav aria-label="Pages">
          {PAGES.filter((p) => !p.admin || role === 'admin').map((p) => (
            <Link key={p.to} to={p.to} search={keep as never} className={pathname.startsWith(p.to) ? 'active' : ''}>{p.label}</Link>
          ))}
        </nav>
        <div className="topbar-controls">
          <label htmlFor="experiment">Experiment</label>
          <select
            id="experiment"
            value={search.exp ?? ''}
            onChange={(e) => void navigate({ to: listOf(pathname), search: ((prev: ShellSearch) => ({ ...keep(prev), exp: e.target.value })) as never })}
          >
            {experiments.data?.length === 0 && <option value="">No experiments yet</option>}
            {experiments.data?.map((x) => <option key={x.experiment_id} value={x.experiment_id}>{x.name} ({x.experiment_id})</option>)}
          </select>
          <RangePicker />
          <span className="who" title={`signed in as ${name}`}>{name}{role ? ` · ${role}` : ''}</span>
          {authRequired && (
            <button type="button" className="link" onClick={() => { setToken(null); window.location.reload(); }}>Sign out</button>
          )}
        </div>
      </header>
      <main className="page" id="main">
        {experiments.data?.length === 0 ? (
          <div className="empty card">
            <h1>No experiments yet</h1>
            <p>Send traces to Assay (see the README’s first hour), or run <code>npm run demo</code>, then reload.</p>
          </div>
        ) : (
          <Outlet />
        )}
      </main>
    </div>
  );
}
