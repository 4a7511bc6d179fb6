/** Sync a session's traces and their labeled expectations into a dataset; running it again adds nothing. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';

export function SyncPanel({ sessionId }: { sessionId: string }) {
  const client = useQueryClient();
  const [dataset, setDataset] = useState('');
  const sync = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/labeling-sessions/{id}/sync', { params: { path: { id: sessionId } }, body: { dataset_name: dataset.trim() } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['datasets'] }),
  });
  const error = sync.error instanceof ApiError ? sync.error.message : sync.error ? String(sync.error) : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    sync.mutate();
  }
  return (
    <form className="row sync" onSubmit={submit} aria-label="Sync to dataset">
      <label htmlFor="sync-dataset">Sync to dataset</label>
      <input id="sync-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="evals.labeled" aria-invalid={error ? true : undefined} aria-describedby={error ? 'sync-error' : undefined} />
      <button type="submit" disabled={!dataset.trim() || sync.isPending}>{sync.isPending ? 'Syncing…' : 'Sync'}</button>
      {error && <span id="sync-error" className="field-error" role="alert">{error}</span>}
      {sync.data && (
        <span className="success" role="status">
          {sync.data.records_added} records added, {sync.data.records_merged} merged into {sync.data.dataset_name} (version {sync.data.version})
        </span>
      )}
    </form>
  );
}
