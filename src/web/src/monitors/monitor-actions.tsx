/** Preflight on the latest traces, run now, and backfill with its estimate shown before confirming. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { VerdictChip } from '../components/verdict-chip';
import { formatCost } from '../lib/feedback';
import type { MonitorConfig } from './queries';

export function Preflight({ experimentId, draft }: { experimentId: string; draft: MonitorConfig }) {
  const test = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/api/v1/experiments/{id}/monitor/test', {
        params: { path: { id: experimentId } },
        body: { max_traces: 20, scorers: draft.scorers, ...(draft.filter_string ? { filter_string: draft.filter_string } : {}) },
      })),
  });
  return (
    <section className="card" aria-labelledby="preflight-title">
      <div className="card-head">
        <h2 id="preflight-title">Preflight</h2>
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>{test.isPending ? 'Testing…' : 'Test on the latest 20 traces'}</button>
      </div>
      <p className="muted small">Runs the scorers as edited above without writing anything.</p>
      {test.error && <p className="field-error" role="alert">{test.error.message}</p>}
      {test.data && (
        <table className="grid">
          <thead><tr><th scope="col">Scorer</th><th scope="col">Applies to</th><th scope="col">Not applicable</th><th scope="col">Filtered out</th><th scope="col">Sample verdicts</th></tr></thead>
          <tbody>
            {test.data.scorers.map((s) => (
              <tr key={s.name}>
                <td><strong>{s.name}</strong> <span className="muted">{s.type !== s.name ? s.type : ''}</span></td>
                <td className="num">{s.applied} / {s.traces}</td>
                <td className="small">{s.not_applicable}{Object.keys(s.reasons).length > 0 && <span className="muted"> ({Object.entries(s.reasons).map(([r, n]) => `${r}: ${n}`).join(', ')})</span>}</td>
                <td className="num">{s.filtered_out}</td>
                <td>
                  <div className="samples">
                    {s.samples.slice(0, 8).map((x, i) => (
                      <VerdictChip key={i} assessment={{ feedback: { value: x.value, error: (x.error as { error_code: string; error_message: string } | null) ?? null } }} title={`${x.trace_id}: ${x.rationale ?? ''}`} />
                    ))}
                  </div>
                  {s.errors.length > 0 && <p className="field-error small">{s.errors.join('; ')}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RunControls({ experimentId, active }: { experimentId: string; active: boolean }) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: ['monitor-runs', experimentId] });
  const run = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/experiments/{id}/monitor/run', { params: { path: { id: experimentId } } })),
    onSuccess: refresh,
  });
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const backfill = useMutation({
    mutationFn: async (confirm: boolean) =>
      ok(await api.POST('/api/v1/experiments/{id}/monitor/backfill', {
        params: { path: { id: experimentId } },
        body: { start_time: new Date(start).toISOString(), end_time: new Date(end).toISOString(), ...(confirm ? { confirm: true } : {}) },
      })),
    onSuccess: (r) => { if (r.confirmed) refresh(); },
  });
  const estimate = backfill.data && !backfill.data.confirmed ? backfill.data.estimate : null;
  const backfillError = backfill.error instanceof ApiError ? backfill.error.message : null;
  function estimateIt(event: FormEvent) {
    event.preventDefault();
    backfill.mutate(false);
  }
  return (
    <section className="card" aria-labelledby="controls-title">
      <h2 id="controls-title">Run</h2>
      <div className="row">
        <button type="button" className="primary" onClick={() => run.mutate()} disabled={run.isPending || active}>{active ? 'A run is in progress…' : 'Run now'}</button>
        {run.error && <span className="field-error" role="alert">{run.error.message}</span>}
      </div>
      <form className="backfill" onSubmit={estimateIt}>
        <h3>Backfill a past time range</h3>
        <div className="row">
          <label htmlFor="bf-start">From</label>
          <input id="bf-start" type="datetime-local" value={start} onChange={(e) => { setStart(e.target.value); backfill.reset(); }} required />
          <label htmlFor="bf-end">To</label>
          <input id="bf-end" type="datetime-local" value={end} onChange={(e) => { setEnd(e.target.value); backfill.reset(); }} required />
          <button type="submit" disabled={!start || !end || backfill.isPending}>Estimate</button>
        </div>
        {backfillError && <p className="field-error" role="alert">{backfillError}</p>}
        {estimate && (
          <div className="estimate" role="status">
            <p>
              <strong>{estimate.traces.toLocaleString('en-US')}</strong> traces, <strong>{estimate.judge_calls.toLocaleString('en-US')}</strong> judge calls
              with {estimate.model}, about {(estimate.input_tokens + estimate.output_tokens).toLocaleString('en-US')} tokens, cost {formatCost(estimate.cost)}
              <span className="muted"> ({estimate.cost_note})</span>.
            </p>
            <button type="button" className="primary" onClick={() => backfill.mutate(true)} disabled={backfill.isPending || active}>Start backfill</button>
          </div>
        )}
        {backfill.data?.confirmed && <p className="success" role="status">Backfill started.</p>}
      </form>
    </section>
  );
}
