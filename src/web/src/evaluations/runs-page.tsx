/** Evaluation runs of the experiment (live while running), a form to start one, and picking two to compare. */
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import type { ShellSearch } from '../router';
import { useCan } from '../shell/session';
import { formatMetric, isActive, targetLabel, useRuns } from './queries';
import { StartRun } from './start-run';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function RunsPage() {
  const search = useSearch({ from: '/evaluations' }) as ShellSearch;
  const navigate = useNavigate();
  const experimentId = search.exp ?? '';
  const runs = useRuns(experimentId);
  const canWrite = useCan('writer');
  const [starting, setStarting] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  return (
    <section aria-labelledby="runs-title">
      <div className="page-head">
        <h1 id="runs-title">Evaluation runs</h1>
        {canWrite && !starting && <button type="button" className="primary" onClick={() => setStarting(true)}>Start a run</button>}
        <button type="button" disabled={picked.length !== 2} onClick={() => void navigate({ to: '/evaluations/compare', search: { exp: experimentId, a: picked[0], b: picked[1] } })}>
          Compare {picked.length === 2 ? 'the two selected' : '(select two)'}
        </button>
      </div>
      {starting && <StartRun experimentId={experimentId} onClose={() => setStarting(false)} />}
      {runs.error && <p className="page-error" role="alert">{runs.error.message}</p>}
      <div className="card table-wrap">
        <table className="grid runs">
          <thead><tr><th><span className="visually-hidden">Select</span></th><th>Name</th><th>Dataset</th><th>Target</th><th>Status</th><th className="num">Pass rate</th><th className="num">Rows</th><th>Started</th></tr></thead>
          <tbody>
            {runs.data?.length === 0 && <tr><td colSpan={8} className="muted">No evaluation runs in this experiment yet.</td></tr>}
            {runs.data?.map((r) => {
              const done = (r.counts.done ?? 0) + (r.counts.errored ?? 0);
              return (
                <tr key={r.run_id}>
                  <td><input type="checkbox" checked={picked.includes(r.run_id)} onChange={() => toggle(r.run_id)} aria-label={`Select ${r.name ?? r.run_id} to compare`} /></td>
                  <td><Link to="/evaluations/$runId" params={{ runId: r.run_id }} search={{ exp: experimentId }}>{r.name ?? r.run_id.slice(0, 12)}</Link></td>
                  <td>{r.dataset ? <Link to="/datasets/$name" params={{ name: r.dataset.name }} search={{ exp: experimentId }} className="mono">{r.dataset.name} v{r.dataset.version}</Link> : <span className="muted">inline records</span>}</td>
                  <td className="clip" title={targetLabel(r.target)}>{targetLabel(r.target)}</td>
                  <td>
                    <span className={`status-${r.status}`}>{r.status}</span>
                    {isActive(r.status) && <> <progress max={r.rows || 1} value={done} aria-label={`${r.name ?? r.run_id} progress`} /> {done} of {r.rows}</>}
                  </td>
                  <td className="num">{formatMetric('pass_rate', r.metrics.pass_rate)}</td>
                  <td className="num">{r.rows}</td>
                  <td><time dateTime={r.create_time}>{TIME.format(new Date(r.create_time))}</time></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
