/** One dataset: its records (searchable, editable in place), import and export, versions and their diff. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ok } from '../api/client';
import type { DatasetSearch } from '../router';
import { useCan } from '../shell/session';
import { ExportButton, ImportButton } from './import-export';
import { useDataset, useRecords, type DatasetRecord } from './queries';
import { RecordEditor } from './record-editor';
import { RecordTable } from './record-table';
import { DiffView, VersionsView } from './versions-view';

export function DatasetPage() {
  const { name } = useParams({ from: '/datasets/$name' });
  const search = useSearch({ from: '/datasets/$name' }) as DatasetSearch;
  const navigate = useNavigate({ from: '/datasets/$name' });
  const dataset = useDataset(name);
  const view = search.view ?? 'records';
  const current = dataset.data?.dataset.current_version ?? 0;
  const tabs = [['records', 'Records'], ['versions', 'Versions'], ['diff', 'Diff']] as const;
  if (dataset.error) return <p className="page-error" role="alert">{dataset.error.message}</p>;
  return (
    <section aria-labelledby="dataset-title" className="dataset-page">
      <div className="page-head">
        <Link to="/datasets" search={(prev) => ({ exp: (prev as { exp?: string }).exp })} className="back">← Datasets</Link>
        <h1 id="dataset-title" className="mono">{name}</h1>
        {dataset.data && <span className="muted">{dataset.data.dataset.record_count.toLocaleString('en-US')} records · version {current} · digest <code>{dataset.data.dataset.digest.slice(0, 12)}</code></span>}
        <div className="tabs" role="tablist" aria-label="Dataset views">
          {tabs.map(([key, label]) => (
            <button key={key} type="button" role="tab" aria-selected={view === key} onClick={() => void navigate({ search: (prev) => ({ ...prev, view: key === 'records' ? undefined : key }) })}>{label}</button>
          ))}
        </div>
      </div>
      {view === 'records' && <RecordsView name={name} current={current} />}
      {view === 'versions' && <VersionsView dataset={name} />}
      {view === 'diff' && dataset.data && <DiffView dataset={name} current={current} />}
    </section>
  );
}

function RecordsView({ name, current }: { name: string; current: number }) {
  const search = useSearch({ from: '/datasets/$name' }) as DatasetSearch;
  const navigate = useNavigate({ from: '/datasets/$name' });
  const canWrite = useCan('writer');
  const client = useQueryClient();
  const [draft, setDraft] = useState(search.q ?? '');
  const [editing, setEditing] = useState<DatasetRecord | 'new' | null>(null);
  const [message, setMessage] = useState('');
  // Where focus was when the editor opened (the button or the row), so closing it returns there.
  const opener = useRef<HTMLElement | null>(null);
  const open = (what: DatasetRecord | 'new') => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setMessage('');
    setEditing(what);
  };
  const close = (m: string) => {
    setEditing(null);
    setMessage(m);
    requestAnimationFrame(() => opener.current?.isConnected && opener.current.focus());
  };
  useEffect(() => setDraft(search.q ?? ''), [search.q]);
  const pinned = search.version !== undefined && search.version !== current ? search.version : undefined;
  const records = useRecords(name, pinned, search.q);
  const rows = useMemo(() => records.data?.pages.flatMap((p) => p.records) ?? [], [records.data]);
  const remove = useMutation({
    mutationFn: async (r: DatasetRecord) => ok(await api.DELETE('/api/v1/datasets/{name}/records/{recordId}', { params: { path: { name, recordId: r.dataset_record_id } } })),
    onSuccess: (_d, r) => {
      setMessage(`Deleted ${r.dataset_record_id}`);
      for (const key of ['dataset-records', 'dataset', 'dataset-versions']) void client.invalidateQueries({ queryKey: [key, name] });
    },
  });
  const readOnly = pinned !== undefined;

  function apply(e: FormEvent) {
    e.preventDefault();
    void navigate({ search: (prev) => ({ ...prev, q: draft.trim() || undefined }) });
  }

  return (
    <div className={editing ? 'records-layout editing' : 'records-layout'}>
      <div>
        <div className="toolbar">
          <form role="search" className="filter-form" onSubmit={apply}>
            <label htmlFor="record-search" className="visually-hidden">Search inputs</label>
            <input id="record-search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Search the inputs…" />
            <button type="submit">Search</button>
          </form>
          {readOnly && <span className="banner warn">Version {pinned} (read-only) <button type="button" className="link" onClick={() => void navigate({ search: (prev) => ({ ...prev, version: undefined }) })}>back to current</button></span>}
          <span className="muted" aria-live="polite">{records.isPending ? 'Loading…' : `${rows.length.toLocaleString('en-US')}${records.hasNextPage ? '+' : ''} records${search.q ? ' matching' : ''}`}</span>
          {canWrite && !readOnly && <button type="button" className="primary" onClick={() => open('new')}>Add record</button>}
          {canWrite && !readOnly && <ImportButton dataset={name} />}
          <ExportButton dataset={name} version={pinned} />
        </div>
        {message && <p className="success" role="status">{message}</p>}
        {remove.error && <p className="field-error" role="alert">{remove.error.message}</p>}
        <RecordTable
          records={rows}
          selected={editing && editing !== 'new' ? editing.dataset_record_id : null}
          onOpen={(r) => { if (canWrite && !readOnly) open(r); }}
          onDelete={canWrite && !readOnly ? (r) => { if (window.confirm(`Delete record ${r.dataset_record_id}? A new version is made; older versions keep it.`)) remove.mutate(r); } : undefined}
          hasMore={Boolean(records.hasNextPage)}
          onMore={() => void records.fetchNextPage()}
          loading={records.isPending || records.isFetchingNextPage}
        />
      </div>
      {editing && (
        <RecordEditor
          key={editing === 'new' ? 'new' : editing.dataset_record_id}
          dataset={name}
          record={editing === 'new' ? null : editing}
          onDone={close}
        />
      )}
    </div>
  );
}
