/** Adds the selected traces (or every trace matching the filter) to a labeling session of the experiment. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { useSessions } from '../labeling/queries';
import type { Selection } from './add-to-dataset';

export function AddToSession({ selection, experimentId, onClose }: { selection: Selection; experimentId: string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const client = useQueryClient();
  const sessions = useSessions(experimentId);
  const [target, setTarget] = useState('');
  useEffect(() => dialog.current?.showModal(), []);
  useEffect(() => {
    if (!target && sessions.data?.[0]) setTarget(sessions.data[0].labeling_session_id);
  }, [sessions.data, target]);
  const add = useMutation({
    mutationFn: async () => {
      const body = selection.kind === 'ids' ? { trace_ids: selection.traceIds } : { filter_string: selection.filter ?? '', max_results: 100_000 };
      return ok(await api.POST('/api/v1/labeling-sessions/{id}/traces', { params: { path: { id: target } }, body }));
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ['labeling-sessions'] }),
  });
  const error = add.error instanceof ApiError ? add.error.message : add.error ? String(add.error) : null;
  const count = selection.kind === 'ids' ? `${selection.traceIds.length} selected trace${selection.traceIds.length === 1 ? '' : 's'}` : 'every trace matching the filter';
  function submit(e: FormEvent) {
    e.preventDefault();
    add.mutate();
  }
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="session-add-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="session-add-title">Add to labeling session</h2>
        <p className="muted">Adds {count}; traces already in the session keep their place.</p>
        {sessions.data?.length === 0 ? (
          <p>No labeling session in this experiment yet. <Link to="/labeling" search={{ exp: experimentId }}>Create one</Link>.</p>
        ) : (
          <>
            <label htmlFor="session-target">Session</label>
            <select id="session-target" value={target} onChange={(e) => setTarget(e.target.value)}>
              {sessions.data?.map((s) => <option key={s.labeling_session_id} value={s.labeling_session_id}>{s.name} ({s.progress.total} traces)</option>)}
            </select>
          </>
        )}
        {error && <p className="field-error" role="alert">{error}</p>}
        {add.data && <p className="success" role="status">Added {add.data.added}; the session holds {add.data.trace_count} traces.</p>}
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>{add.data ? 'Close' : 'Cancel'}</button>
          {!add.data && <button type="submit" className="primary" disabled={!target || add.isPending}>{add.isPending ? 'Adding…' : 'Add'}</button>}
        </div>
      </form>
    </dialog>
  );
}
