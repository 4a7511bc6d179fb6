/**
 * The experiment's overview over the selected range: trace volume, errors, latency p50/p95, tokens
 * and cost; each monitored scorer's pass rate over time with its 95% band; judge calls and spend per
 * day. Each chart shows the SQL that gives the same numbers from the results tables.
 */
import { useQuery } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useMemo, type ReactNode } from 'react';
import { api, ok } from '../api/client';
import { LineChart } from '../components/line-chart';
import { formatCost, formatDuration } from '../lib/feedback';
import { rangeBounds, stableNow } from '../lib/time-range';
import { useMonitor, useTrends } from '../monitors/queries';
import { TrendChart, type TrendSeries } from '../monitors/trend-chart';
import type { ShellSearch } from '../router';

const DAY = 86_400_000;

function useOverview(experimentId: string, from: number, to: number) {
  return useQuery({
    queryKey: ['overview', experimentId, from, to],
    enabled: Boolean(experimentId),
    queryFn: async () => ok(await api.GET('/api/v1/experiments/{id}/overview', { params: { path: { id: experimentId }, query: { start_time: new Date(from).toISOString(), end_time: new Date(to).toISOString() } } })),
  });
}

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

export function OverviewPage() {
  const search = useSearch({ from: '/overview' }) as ShellSearch;
  const experimentId = search.exp ?? '';
  const now = stableNow(Date.now()) + 60_000;
  const bounds = rangeBounds(search, now);
  // "All time" on a dashboard is the last 30 days: the API answers per day up to 400 days.
  const from = bounds.from ?? now - 30 * DAY;
  const to = bounds.to ?? now;
  const overview = useOverview(experimentId, from, to);
  const monitor = useMonitor(experimentId);
  const trends = useTrends(experimentId, 'hour', { from, to }, false);
  const o = overview.data;
  const xRange = useMemo<[number, number]>(() => [from / 1000, to / 1000], [from, to]);
  const times = useMemo(() => o?.volume.map((p) => Date.parse(p.time) / 1000) ?? [], [o]);
  const volume = useMemo(() => [{ label: 'traces', values: o?.volume.map((p) => p.traces) ?? [] }, { label: 'errors', values: o?.volume.map((p) => p.errors) ?? [] }], [o]);
  const errorRate = useMemo(() => [{ label: 'error rate', values: o?.volume.map((p) => (p.traces ? p.errors / p.traces : null)) ?? [] }], [o]);
  const latency = useMemo(() => [{ label: 'p50', values: o?.volume.map((p) => p.latency_p50_ms) ?? [] }, { label: 'p95', values: o?.volume.map((p) => p.latency_p95_ms) ?? [] }], [o]);
  const tokens = useMemo(() => [{ label: 'tokens', values: o?.volume.map((p) => p.total_tokens) ?? [] }], [o]);
  const cost = useMemo(() => [{ label: 'cost', values: o?.volume.map((p) => p.cost) ?? [] }], [o]);
  const judgeTimes = useMemo(() => o?.judge.map((p) => Date.parse(`${p.day}T00:00:00Z`) / 1000) ?? [], [o]);
  const judgeCalls = useMemo(() => [{ label: 'judge calls', values: o?.judge.map((p) => p.judge_calls) ?? [] }, { label: 'errors', values: o?.judge.map((p) => p.judge_errors) ?? [] }], [o]);
  const judgeCost = useMemo(() => [{ label: 'judge spend', values: o?.judge.map((p) => p.cost) ?? [] }], [o]);
  const scorers = useMemo(() => {
    const by = new Map<string, TrendSeries>();
    for (const p of trends.data?.points ?? []) {
      let s = by.get(p.scorer);
      if (!s) { s = { scorer: p.scorer, kind: p.kind, times: [], values: [], lows: [], highs: [], ns: [] }; by.set(p.scorer, s); }
      s.times.push(Date.parse(p.time) / 1000); s.values.push(p.value); s.lows.push(p.low); s.highs.push(p.high); s.ns.push(p.n);
    }
    return [...by.values()];
  }, [trends.data]);

  if (overview.error) return <p className="page-error" role="alert">{overview.error.message}</p>;
  const t = o?.totals;
  return (
    <section aria-labelledby="overview-title" className="overview-page">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <span className="muted">{new Date(from).toLocaleString()} – {new Date(to).toLocaleString()} · per {o?.bucket ?? '…'}</span>
      </div>
      <dl className="card metric-cards" aria-label="Totals over the range">
        <div className="metric"><dt>Traces</dt><dd>{t ? t.traces.toLocaleString('en-US') : '…'}</dd></div>
        <div className="metric"><dt>Error rate</dt><dd>{t ? (t.traces ? pct(t.errors / t.traces) : '—') : '…'}</dd></div>
        <div className="metric"><dt>Latency p50</dt><dd>{t ? formatDuration(t.latency_p50_ms) : '…'}</dd></div>
        <div className="metric"><dt>Latency p95</dt><dd>{t ? formatDuration(t.latency_p95_ms) : '…'}</dd></div>
        <div className="metric"><dt>Tokens</dt><dd>{t ? t.total_tokens.toLocaleString('en-US') : '…'}</dd></div>
        <div className="metric"><dt>Cost</dt><dd>{t ? formatCost(t.cost) : '…'}</dd></div>
        <div className="metric"><dt>Judge calls</dt><dd>{o ? o.judge.reduce((n, p) => n + p.judge_calls, 0).toLocaleString('en-US') : '…'}</dd></div>
        <div className="metric"><dt>Judge spend</dt><dd>{o ? formatCost(o.judge.reduce((n, p) => n + p.cost, 0)) : '…'}</dd></div>
      </dl>
      {o && o.totals.traces === 0 && <p className="muted">No traces in this range.</p>}
      {o && !o.sql && <p className="muted small sql-hint">Create a monitor to get the results tables these charts can be read from with SQL.</p>}
      <div className="dashboard-grid">
        <Panel title="Trace volume" sql={o?.sql?.volume}><LineChart times={times} series={volume} label="Traces and errors per bucket" bars xRange={xRange} /></Panel>
        <Panel title="Error rate" sql={o?.sql?.volume}><LineChart times={times} series={errorRate} label="Error rate per bucket" format={pct} xRange={xRange} yRange={[0, 1]} /></Panel>
        <Panel title="Latency" sql={o?.sql?.volume}><LineChart times={times} series={latency} label="Latency p50 and p95 per bucket, ms" format={(v) => `${Math.round(v)} ms`} xRange={xRange} /></Panel>
        <Panel title="Tokens" sql={o?.sql?.volume}><LineChart times={times} series={tokens} label="Tokens per bucket" format={(v) => Math.round(v).toLocaleString('en-US')} xRange={xRange} /></Panel>
        <Panel title="Cost" sql={o?.sql?.volume}><LineChart times={times} series={cost} label="Cost per bucket, dollars" format={(v) => `$${v.toFixed(2)}`} xRange={xRange} /></Panel>
        <Panel title="Judge calls per day" sql={o?.sql?.judge}><LineChart times={judgeTimes} series={judgeCalls} label="Judge calls and errors per day" bars xRange={xRange} /></Panel>
        <Panel title="Judge spend per day" sql={o?.sql?.judge}><LineChart times={judgeTimes} series={judgeCost} label="Judge spend per day, dollars" format={(v) => `$${v.toFixed(2)}`} bars xRange={xRange} /></Panel>
      </div>
      <section className="card" aria-labelledby="scorers-title">
        <h2 id="scorers-title">Monitored scorers: pass rate per hour (95% band)</h2>
        {!monitor.data && !monitor.isPending && <p className="muted">This experiment has no monitor.</p>}
        {monitor.data && scorers.length === 0 && !trends.isPending && <p className="muted">No scores in this range.</p>}
        <div className="dashboard-grid">
          {scorers.map((s) => (
            <Panel key={s.scorer} title={s.scorer} sql={trends.data?.sql ?? undefined}><TrendChart series={s} /></Panel>
          ))}
        </div>
      </section>
    </section>
  );
}

function Panel({ title, sql, children }: { title: string; sql: string | null | undefined; children: ReactNode }) {
  return (
    <figure className="card panel">
      <figcaption><strong>{title}</strong></figcaption>
      {children}
      {sql && (
        <details className="sql">
          <summary>SQL over the results tables</summary>
          <pre className="mono"><code>{sql}</code></pre>
        </details>
      )}
    </figure>
  );
}
