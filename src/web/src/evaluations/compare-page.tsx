/**
 * Two runs side by side: metrics with deltas, rows split into regressions, improvements and
 * unchanged (each opening the two answers and verdicts), and chosen metrics across every run of the
 * dataset over time.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { api, ok } from '../api/client';
import { LineChart } from '../components/line-chart';
import type { CompareSearch } from '../router';
import { formatDelta, formatMetric, useComparison, useRuns, type RowChange, type RowView, type RunSummary } from './queries';

export function ComparePage() {
  const search = useSearch({ from: '/evaluations/compare' }) as CompareSearch;
  const navigate = useNavigate({ from: '/evaluations/compare' });
  const runs = useRuns(search.exp ?? '');
  const comparison = useComparison(search.a, search.b);
  const pick = (key: 'a' | 'b') => (
    <select id={`compare-${key}`} value={search[key] ?? ''} onChange={(e) => void navigate({ search: (prev) => ({ ...prev, [key]: e.target.value || undefined }) })}>
      <option value="">Choose a run…</option>
      {runs.data?.map((r) => <option key={r.run_id} value={r.run_id}>{r.name ?? r.run_id.slice(0, 12)} · {new Date(r.create_time).toLocaleString()}</option>)}
    </select>
  );
  const c = comparison.data;
  return (
    <section aria-labelledby="compare-title">
      <div className="page-head">
        <Link to="/evaluations" search={{ exp: search.exp }} className="back">← Runs</Link>
        <h1 id="compare-title">Compare runs</h1>
        <label htmlFor="compare-a">Before</label>{pick('a')}
        <label htmlFor="compare-b">After</label>{pick('b')}
      </div>
      {comparison.error && <p className="field-error" role="alert">{comparison.error.message}</p>}
      {c && (
        <>
          <div className="card table-wrap">
            <table className="grid runs compare-metrics">
              <thead><tr><th>Metric</th><th className="num">{c.runs[0]?.name ?? 'A'}</th><th className="num">{c.runs[1]?.name ?? 'B'}</th><th className="num">Delta</th></tr></thead>
              <tbody>
                {c.metrics.map((m) => (
                  <tr key={m.metric}>
                    <td className="mono">{m.metric}</td>
                    <td className="num">{formatMetric(m.metric, m.values[0])}</td>
                    <td className="num">{formatMetric(m.metric, m.values[1])}</td>
                    <td className={`num ${deltaClass(m.metric, m.delta)}`}>{formatDelta(m.metric, m.delta)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="row" role="status">
            <span className="chip chip-fail">{c.rows.regression_count} regressions</span>
            <span className="chip chip-pass">{c.rows.improvement_count} improvements</span>
            <span className="chip">{c.rows.unchanged} unchanged</span>
            <span className="muted">{c.rows.matched} rows matched by inputs; {c.rows.only_in_a} only before, {c.rows.only_in_b} only after</span>
          </p>
          <Changes title="Regressions (passed before, failed now)" changes={c.rows.regressions} runs={c.runs} />
          <Changes title="Improvements" changes={c.rows.improvements} runs={c.runs} />
        </>
      )}
      {(search.dataset ?? c?.runs[0]?.dataset?.name) && <MetricsOverTime dataset={(search.dataset ?? c?.runs[0]?.dataset?.name)!} runs={runs.data ?? []} />}
    </section>
  );
}

function deltaClass(metric: string, delta: number | null): string {
  if (!delta) return '';
  const lowerIsBetter = /latency|cost|error|tokens/.test(metric);
  return (delta > 0) !== lowerIsBetter ? 'success' : 'bad';
}

function Changes({ title, changes, runs }: { title: string; changes: RowChange[]; runs: RunSummary[] }) {
  const [open, setOpen] = useState<number | null>(null);
  if (changes.length === 0) return null;
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      <ul className="change-list">
        {changes.map((ch, i) => (
          <li key={i}>
            <button type="button" className="link change" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)}>
              {JSON.stringify(ch.inputs).slice(0, 160)}
            </button>
            <span className="muted small"> failing now: {ch.failing_judges[1]?.join(', ') || '—'}</span>
            {open === i && <SideBySide change={ch} runs={runs} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

async function firstRows(runId: string): Promise<RowView[]> {
  return ok(await api.GET('/api/v1/evaluations/{id}/rows', { params: { path: { id: runId }, query: { max_results: 1000 } } })).rows;
}

/** The two rows: answers and verdicts, read from each run's rows. */
function SideBySide({ change, runs }: { change: RowChange; runs: RunSummary[] }) {
  // The first 1,000 rows of each run, cached per run: every change of the comparison opens from them.
  const a = useQuery({ queryKey: ['compare-rows', runs[0]?.run_id], queryFn: () => firstRows(runs[0]!.run_id), enabled: Boolean(runs[0]) });
  const b = useQuery({ queryKey: ['compare-rows', runs[1]?.run_id], queryFn: () => firstRows(runs[1]!.run_id), enabled: Boolean(runs[1]) });
  const rows = { data: [a.data?.find((r) => r.row_index === change.row_indexes[0]), b.data?.find((r) => r.row_index === change.row_indexes[1])] };
  return (
    <div className="side-by-side">
      {runs.slice(0, 2).map((run, k) => {
        const row = rows.data?.[k];
        return (
          <div key={run.run_id} className="card">
            <h3>{run.name ?? run.run_id.slice(0, 12)} · {change.passed[k] ? 'pass' : 'fail'}</h3>
            <pre className="mono wrap">{row ? (typeof row.outputs === 'string' ? row.outputs : JSON.stringify(row.outputs, null, 2)) : '…'}</pre>
            <ul className="assessment-list">
              {row?.verdicts.map((v) => (
                <li key={v.name} className="assessment"><strong>{v.name}</strong>: {typeof v.value === 'string' ? v.value : JSON.stringify(v.value)}{v.rationale ? ` — ${v.rationale}` : ''}</li>
              ))}
            </ul>
          </div>
        );
      })}
    </div>
  );
}

/** Chosen metrics across every finished run of the dataset, by start time. */
function MetricsOverTime({ dataset, runs }: { dataset: string; runs: RunSummary[] }) {
  const ofDataset = useMemo(() => runs.filter((r) => r.dataset?.name === dataset && Object.keys(r.metrics).length > 0).sort((a, b) => a.create_time.localeCompare(b.create_time)), [runs, dataset]);
  const names = useMemo(() => [...new Set(ofDataset.flatMap((r) => Object.keys(r.metrics)))].filter((n) => /pass_rate|\/mean$|^latency_seconds\//.test(n)).sort(), [ofDataset]);
  const [chosen, setChosen] = useState<string[]>(['pass_rate']);
  const times = useMemo(() => ofDataset.map((r) => Date.parse(r.create_time) / 1000), [ofDataset]);
  const series = useMemo(() => chosen.map((m) => ({ label: m, values: ofDataset.map((r) => r.metrics[m] ?? null), format: (v: number) => formatMetric(m, v) })), [chosen, ofDataset]);
  const axis = useMemo(() => axisFormat(series), [series]);
  if (ofDataset.length === 0) return null;
  return (
    <section className="card" aria-labelledby="over-time-title">
      <h2 id="over-time-title">Metrics of every run on <span className="mono">{dataset}</span> over time</h2>
      <div className="samples" role="group" aria-label="Metrics to chart">
        {names.map((n) => (
          <label key={n} className="radio"><input type="checkbox" checked={chosen.includes(n)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, n] : c.filter((x) => x !== n)))} /> {n}</label>
        ))}
      </div>
      <LineChart times={times} series={series} label={`Metrics of ${ofDataset.length} runs on ${dataset} over time`} format={axis} />
    </section>
  );
}

/** The y axis in the chosen metrics' common unit: rates in %, latencies in ms, anything else as numbers. */
function axisFormat(series: ReadonlyArray<{ label: string; values: Array<number | null> }>): (v: number) => string {
  if (series.length > 0 && series.every((s) => s.label.startsWith('latency_seconds/'))) return (v) => `${Math.round(v * 1000).toLocaleString('en-US')} ms`;
  const rate = (s: { label: string; values: Array<number | null> }) => /(pass_rate|\/mean)$/.test(s.label) && s.values.every((v) => v === null || (v >= 0 && v <= 1));
  if (series.length > 0 && series.every(rate)) return (v) => `${Math.round(v * 100)}%`;
  return (v) => String(Math.round(v * 100) / 100);
}
