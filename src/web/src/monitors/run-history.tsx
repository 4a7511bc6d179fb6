/** The monitor's runs: status, window, traces, per-scorer counts, judge calls, tokens, cost, duration, errors. */
import { formatCost, formatDuration } from '../lib/feedback';
import type { Run } from './queries';

export function RunHistory({ runs, ranged }: { runs: Run[]; ranged: boolean }) {
  return (
    <section className="card" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {runs.length === 0 ? <p className="muted">{ranged ? 'No runs started in this time range.' : 'No runs yet.'}</p> : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Run history table">
          <table className="grid runs">
            <thead>
              <tr>
                <th scope="col">Status</th><th scope="col">Started</th><th scope="col">Kind</th><th scope="col">Window</th>
                <th scope="col">Seen</th><th scope="col">Copied</th><th scope="col">Scorers (sampled / scored / errored)</th>
                <th scope="col">Judge calls</th><th scope="col">Tokens</th><th scope="col">Cost</th><th scope="col">Duration</th><th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.run_id} data-run={r.run_id}>
                  <td><span className={`status status-${r.status}`}>{r.status}</span></td>
                  <td><time dateTime={r.started_at ?? r.created_at}>{new Date(r.started_at ?? r.created_at).toLocaleString()}</time></td>
                  <td>{r.kind}</td>
                  <td className="small">{windowOf(r)}</td>
                  <td className="num">{r.traces_seen}</td>
                  <td className="num">{r.traces_copied}</td>
                  <td className="small">
                    {Object.entries(r.scorers).map(([name, c]) => (
                      <div key={name}><span className="mono">{name}</span> {c.sampled} / {c.scored} / <span className={c.errored ? 'bad' : ''}>{c.errored}</span></div>
                    ))}
                  </td>
                  <td className="num">{r.judge_calls}</td>
                  <td className="num">{(r.input_tokens + r.output_tokens).toLocaleString('en-US')}</td>
                  <td className="num">{formatCost(r.cost)}</td>
                  <td className="num">{r.status === 'running' || r.status === 'queued' ? '…' : formatDuration(r.duration_ms)}</td>
                  <td className="small">
                    {r.error && <span className="bad">{r.error}</span>}
                    {r.errors.length > 0 && (
                      <details><summary>{r.errors.length} error{r.errors.length === 1 ? '' : 's'}</summary><ul>{r.errors.map((e, i) => <li key={i}>{e}</li>)}</ul></details>
                    )}
                    {!r.error && r.errors.length === 0 && <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function windowOf(r: Run): string {
  const w = r.window;
  if (r.kind === 'backfill') return `${fmt(w.start_time)} – ${fmt(w.end_time)}`;
  return w.from_xid || w.to_xid ? `changes ${w.from_xid ?? '…'}–${w.to_xid ?? '…'}` : '—';
}

function fmt(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '…';
}
