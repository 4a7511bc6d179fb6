/** Every evaluation dataset: records, versions, last update, and the runs that used each version. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { useCan } from '../shell/session';
import { useDataset, useDatasets } from './queries';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function DatasetsPage() {
  const datasets = useDatasets();
  const canWrite = useCan('writer');
  return (
    <section aria-labelledby="datasets-title">
      <div className="page-head">
        <h1 id="datasets-title">Evaluation datasets</h1>
        <span className="muted">{datasets.data ? `${datasets.data.length} datasets` : ''}</span>
      </div>
      {canWrite && <CreateDataset />}
      {datasets.error && <p className="page-error" role="alert">{datasets.error.message}</p>}
      <div className="card table-wrap">
        <table className="grid runs">
          <thead>
            <tr><th>Name</th><th className="num">Records</th><th className="num">Version</th><th>Last update</th><th>Updated by</th><th>Used by runs</th></tr>
          </thead>
          <tbody>
            {datasets.isPending && <tr><td colSpan={6} className="muted">Loading…</td></tr>}
            {datasets.data?.length === 0 && <tr><td colSpan={6} className="muted">No datasets yet: create one here, or add traces to one from the traces page.</td></tr>}
            {datasets.data?.map((d) => (
              <tr key={d.dataset_id}>
                <td><Link to="/datasets/$name" params={{ name: d.name }} search={(prev) => ({ exp: (prev as { exp?: string }).exp })} className="mono">{d.name}</Link></td>
                <td className="num">{d.record_count.toLocaleString('en-US')}</td>
                <td className="num">{d.current_version}</td>
                <td><time dateTime={d.last_update_time}>{TIME.format(new Date(d.last_update_time))}</time></td>
                <td>{d.last_updated_by ?? '—'}</td>
                <td><RunsOf name={d.name} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The evaluation runs that read a dataset, by version; read from the dataset's own answer. */
function RunsOf({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  return open ? <RunsList name={name} /> : <button type="button" className="link" onClick={() => setOpen(true)} aria-label={`Show the runs that used ${name}`}>show</button>;
}

function RunsList({ name }: { name: string }) {
  const dataset = useDataset(name);
  const runs = dataset.data?.runs;
  if (!runs) return <span className="muted">…</span>;
  if (runs.length === 0) return <span className="muted">none</span>;
  return (
    <span className="samples">
      {runs.map((r) => (
        <Link key={r.run_id} to="/evaluations/$runId" params={{ runId: r.run_id }} search={(prev) => ({ exp: (prev as { exp?: string }).exp })} className="chip">{r.name ?? r.run_id.slice(0, 8)} · v{r.dataset_version}</Link>
      ))}
    </span>
  );
}

function CreateDataset() {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/datasets', { body: { name: name.trim() } })),
    onSuccess: () => { setName(''); void client.invalidateQueries({ queryKey: ['datasets'] }); },
  });
  const error = create.error instanceof ApiError ? create.error.message : create.error ? String(create.error) : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <form className="row card" onSubmit={submit} aria-label="New dataset">
      <label htmlFor="new-dataset">New dataset (<code>schema.table</code>)</label>
      <input id="new-dataset" value={name} onChange={(e) => setName(e.target.value)} placeholder="evals.support_questions" aria-invalid={error ? true : undefined} aria-describedby={error ? 'new-dataset-error' : undefined} />
      <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>Create</button>
      {error && <p id="new-dataset-error" className="field-error" role="alert">{error}</p>}
      {create.data && <span className="success" role="status">Created {create.data.dataset.name}</span>}
    </form>
  );
}
