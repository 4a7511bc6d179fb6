/** An experiment's monitor: config (form and JSON), preflight, run and backfill, run history, score trends. */
import { useQueryClient } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { rangeBounds, stableNow } from '../lib/time-range';
import type { MonitorSearch } from '../router';
import { useCan } from '../shell/session';
import { ConfigEditor } from './config-editor';
import { Preflight, RunControls } from './monitor-actions';
import { useMonitor, useRuns, type MonitorConfig } from './queries';
import { RunHistory } from './run-history';
import { Trends } from './trends';

export function MonitorPage() {
  const search = useSearch({ from: '/monitor' }) as MonitorSearch;
  const experimentId = search.exp ?? '';
  const monitor = useMonitor(experimentId);
  const bounds = rangeBounds(search, stableNow(Date.now()));
  const runs = useRuns(experimentId, bounds);
  const isAdmin = useCan('admin');
  const [draft, setDraft] = useState<MonitorConfig | null>(null);
  const client = useQueryClient();
  const active = runs.data?.some((r) => r.status === 'queued' || r.status === 'running') ?? false;
  const lastFinished = runs.data?.find((r) => r.finished_at)?.finished_at ?? null;
  const seenFinished = useRef(lastFinished);
  useEffect(() => {
    // A run's scores are complete once it finishes: read the trends again then.
    if (lastFinished !== seenFinished.current) void client.invalidateQueries({ queryKey: ['monitor-trends', experimentId] });
    seenFinished.current = lastFinished;
  }, [lastFinished, client, experimentId]);
  if (monitor.isPending) return <p className="loading" role="status">Loading monitor…</p>;
  if (monitor.error) return <p className="page-error" role="alert">{monitor.error.message}</p>;
  const m = monitor.data;
  return (
    <div className="monitor-page">
      <div className="page-head">
        <h1>Monitor</h1>
        {m && <span className="muted">{m.config.paused ? 'Paused' : `Every ${m.config.interval_minutes} min · next run ${m.next_run_time ? new Date(m.next_run_time).toLocaleTimeString() : '—'}`} · results in <code>{m.config.results_schema}.trace_logs_{m.experiment_id}</code></span>}
      </div>
      {!m && !isAdmin && <p className="muted">This experiment has no monitor. An admin can create one here.</p>}
      <div className="monitor-grid">
        <div className="monitor-left">
          {isAdmin ? (
            <ConfigEditor key={`${experimentId}:${m?.etag ?? 'new'}`} experimentId={experimentId} monitor={m} onDraft={setDraft} />
          ) : m ? (
            <ConfigEditor key={`${experimentId}:${m.etag}`} experimentId={experimentId} monitor={m} onDraft={setDraft} readOnly />
          ) : null}
          {m && isAdmin && <Preflight experimentId={experimentId} draft={draft ?? m.config} />}
          {m && isAdmin && <RunControls experimentId={experimentId} active={active} />}
        </div>
        <div className="monitor-right">
          {m && <Trends experimentId={experimentId} live={active} />}
        </div>
      </div>
      {/* Full width: twelve columns do not fit beside the form; narrower windows scroll the table. */}
      {m && <RunHistory runs={runs.data ?? []} ranged={bounds.from !== undefined || bounds.to !== undefined} />}
    </div>
  );
}
