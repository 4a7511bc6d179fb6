/**
 * One evaluation run: its metrics as numbers and a small chart, then the rows with every judge's
 * verdict, the overall pass/fail and the failing judges; filter by a failing judge; a row shows the
 * rationales and opens its trace.
 */
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { Fragment, useMemo, useState } from 'react';
import { VerdictChip } from '../components/verdict-chip';
import { formatCost, formatDuration } from '../lib/feedback';
import type { RunSearch } from '../router';
import { formatMetric, isActive, judgeNames, targetLabel, useRows, useRun, type RowView, type RunView, type Verdict } from './queries';

const asFeedback = (v: Verdict) => ({ feedback: { value: v.value, error: v.error } });
const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function RunPage() {
  const { runId } = useParams({ from: '/evaluations/$runId' });
  const search = useSearch({ from: '/evaluations/$runId' }) as RunSearch;
  const navigate = useNavigate({ from: '/evaluations/$runId' });
  const run = useRun(runId);
  const live = run.data ? isActive(run.data.status) : false;
  const rows = useRows(runId, search.judge, live);
  const list = useMemo(() => rows.data?.pages.flatMap((p) => p.rows) ?? [], [rows.data]);
  const judges = useMemo(() => {
    const fromScorers = (run.data?.scorers ?? []).map((s) => s.name);
    return [...new Set([...fromScorers, ...judgeNames(list)])];
  }, [run.data, list]);
  const [open, setOpen] = useState<number | null>(null);
  if (run.error) return <p className="page-error" role="alert">{run.error.message}</p>;
  if (run.isPending) return <p className="loading" role="status">Loading run…</p>;
  const r = run.data;
  return (
    <section aria-labelledby="run-title" className="run-page">
      <div className="page-head">
        <Link to="/evaluations" search={{ exp: search.exp }} className="back">← Runs</Link>
        <h1 id="run-title">{r.name ?? r.run_id}</h1>
        <span className={`status-${r.status}`}>{r.status}</span>
        {live && <span role="status"><progress max={r.progress.rows || 1} value={r.progress.finished} aria-label="Run progress" /> {r.progress.finished} of {r.progress.rows}</span>}
        <span className="muted">
          {r.dataset ? <>dataset <Link to="/datasets/$name" params={{ name: r.dataset.name }} search={{ exp: search.exp }} className="mono">{r.dataset.name}</Link> v{r.dataset.version}</> : 'inline records'}
          {' · '}target {targetLabel(r.target)}
          {' · '}started {r.start_time ? new Date(r.start_time).toLocaleString() : '—'} by {r.created_by ?? '—'}
        </span>
        <Link to="/evaluations/compare" search={{ exp: search.exp, b: r.run_id, dataset: r.dataset?.name }}>Compare with…</Link>
      </div>
      {r.error && <p className="field-error" role="alert">{r.error}</p>}
      <Metrics run={r} judges={judges} />
      <div className="toolbar">
        <label htmlFor="judge-filter">Failing judge</label>
        <select id="judge-filter" value={search.judge ?? ''} onChange={(e) => void navigate({ search: (prev) => ({ ...prev, judge: e.target.value || undefined }) })}>
          <option value="">All rows</option>
          {judges.map((j) => <option key={j} value={j}>{j}</option>)}
        </select>
        <span className="muted" aria-live="polite">{rows.isPending ? 'Loading…' : `${list.length}${rows.hasNextPage ? '+' : ''} rows${search.judge ? ` failing ${search.judge}` : ''}`}</span>
      </div>
      <div className="card table-wrap">
        <table className="grid runs eval-rows">
          <thead>
            <tr>
              <th className="num">#</th><th>Inputs</th><th>Outputs</th>
              {judges.map((j) => <th key={j}>{j}</th>)}
              <th>Overall</th><th>Failing</th><th className="num">Latency</th><th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {list.map((row) => (
              <Fragment key={row.row_index}>
                <tr className={`eval-row ${open === row.row_index ? 'selected' : ''}`} tabIndex={0} title="Enter shows the rationales"
                  onClick={() => setOpen(open === row.row_index ? null : row.row_index)}
                  onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); setOpen(open === row.row_index ? null : row.row_index); } }}>
                  <td className="num">{row.row_index + 1}</td>
                  <td className="clip" title={text(row.inputs)}>{text(row.inputs)}</td>
                  <td className="clip" title={text(row.outputs)}>{text(row.outputs)}</td>
                  {judges.map((j) => {
                    const v = row.verdicts.find((x) => x.name === j);
                    return <td key={j}>{v ? <VerdictChip assessment={asFeedback(v)} title={v.rationale ?? undefined} /> : <span className="muted">—</span>}</td>;
                  })}
                  <td>{row.status === 'pending' ? <span className="muted">pending</span> : row.status === 'errored' ? <span className="chip chip-error" title={row.error ?? ''}>error</span> : row.passed ? <span className="chip chip-pass">pass</span> : <span className="chip chip-fail">fail</span>}</td>
                  <td>{row.failing_judges.join(', ')}</td>
                  <td className="num">{formatDuration(row.latency_ms)}</td>
                  <td className="num">{formatCost(row.cost)}</td>
                </tr>
                {open === row.row_index && <RowDetail row={row} colSpan={judges.length + 7} exp={search.exp} />}
              </Fragment>
            ))}
          </tbody>
        </table>
        {!rows.isPending && list.length === 0 && <p className="empty-rows muted">No rows{search.judge ? ` failing ${search.judge}` : ''}.</p>}
        {rows.hasNextPage && <button type="button" onClick={() => void rows.fetchNextPage()}>More rows</button>}
      </div>
    </section>
  );
}

function RowDetail({ row, colSpan, exp }: { row: RowView; colSpan: number; exp: string | undefined }) {
  return (
    <tr className="row-detail">
      <td colSpan={colSpan}>
        <div className="row-detail-grid">
          <div>
            <h3>Verdicts</h3>
            <ul className="assessment-list">
              {row.verdicts.map((v) => (
                <li key={v.name} className="assessment">
                  <div className="assessment-head"><strong>{v.name}</strong> <VerdictChip assessment={asFeedback(v)} /></div>
                  {v.rationale && <p className="rationale">{v.rationale}</p>}
                  {v.error && <p className="field-error">{v.error.error_code}: {v.error.error_message}</p>}
                </li>
              ))}
            </ul>
            {row.trace_id && <Link to="/traces/$traceId" params={{ traceId: row.trace_id }} search={{ exp }}>Open the trace</Link>}
          </div>
          <div>
            <h3>Expectations</h3>
            <pre className="mono wrap">{row.expectations ? JSON.stringify(row.expectations, null, 2) : '—'}</pre>
            <h3>Output</h3>
            <pre className="mono wrap">{text(row.outputs) || '—'}</pre>
          </div>
        </div>
      </td>
    </tr>
  );
}

function Metrics({ run, judges }: { run: RunView; judges: string[] }) {
  const m = run.metrics;
  const bars = judges.map((j) => ({ name: j, value: m[`${j}/mean`] })).filter((b) => b.value !== undefined);
  const headline = ['pass_rate', 'error_rate', 'latency_seconds/p50', 'latency_seconds/p90', 'total_tokens/total', 'cost/total', 'judge_cost/total'];
  return (
    <div className="metrics-grid">
      <dl className="card metric-cards">
        {headline.filter((k) => m[k] !== undefined).map((k) => (
          <div key={k} className="metric"><dt>{k}</dt><dd>{formatMetric(k, m[k])}</dd></div>
        ))}
        {Object.keys(m).length === 0 && <p className="muted">Metrics appear when the run finishes.</p>}
      </dl>
      <figure className="card judge-bars">
        <figcaption>Each judge’s pass rate (or mean)</figcaption>
        {bars.map((b) => (
          <div key={b.name} className="bar-row">
            <span className="bar-label">{b.name}</span>
            <span className="bar-track" aria-hidden="true"><span className="bar" style={{ width: `${Math.max(0, Math.min(1, b.value!)) * 100}%`, left: 0 }} /></span>
            <span className="num">{formatMetric(`${b.name}/mean`, b.value)}</span>
          </div>
        ))}
      </figure>
    </div>
  );
}
