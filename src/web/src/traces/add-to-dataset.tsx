/** Adds the selected traces (or every trace matching the filter) to an existing or a new evaluation dataset. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { useTraceCount } from './queries';

export type Selection =
  | { kind: 'ids'; traceIds: string[] }
  | { kind: 'search'; experimentId: string; filter: string | undefined };

export function AddToDataset({ selection, experimentId, onClose }: { selection: Selection; experimentId: string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const client = useQueryClient();
  const [mode, setMode] = useState<'existing' | 'new'>('existing');
  const [existing, setExisting] = useState('');
  const [name, setName] = useState('');
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: async () => ok(await api.GET('/api/v1/datasets', { params: { query: { max_results: 1000 } } })).datasets });
  const matching = useTraceCount({ experimentId: selection.kind === 'search' ? selection.experimentId : '', filter: selection.kind === 'search' ? selection.filter : undefined });
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (datasets.data && datasets.data.length === 0) setMode('new');
    else if (datasets.data?.[0] && !existing) setExisting(datasets.data[0].name);
  }, [datasets.data, existing]);

  const add = useMutation({
    mutationFn: async () => {
      const body = selection.kind === 'ids'
        ? { trace_ids: selection.traceIds }
        : { search: { experiment_ids: [selection.experimentId], ...(selection.filter ? { filter_string: selection.filter } : {}), max_results: 1_000_000 } };
      if (mode === 'new') {
        // Created with its records in one request: a refused merge leaves no empty dataset behind.
        const created = ok(await api.POST('/api/v1/datasets', { body: { name: name.trim(), experiment_ids: [experimentId], ...body } }));
        if (!created.merge) throw new Error('the dataset was created without the merge of its records');
        return { ...created.merge, dataset: created.dataset.name };
      }
      const result = ok(await api.POST('/api/v1/datasets/{name}/merge', { params: { path: { name: existing } }, body }));
      return { ...result, dataset: existing };
    },
    onSettled: () => void client.invalidateQueries({ queryKey: ['datasets'] }),
  });

  const error = add.error instanceof ApiError ? add.error.message : add.error ? String(add.error) : null;
  const nameError = mode === 'new' && error && /^name/.test(error) ? error : null;
  // The merge names the selection's field (`search` or `trace_ids`) when it refuses the traces.
  const selectionError = error && /^(search|trace_ids)\b/.test(error) ? error : null;
  const count = selection.kind === 'ids'
    ? `${selection.traceIds.length} selected trace${selection.traceIds.length === 1 ? '' : 's'}`
    : matching.data
      ? `all ${matching.data.count.toLocaleString('en-US')}${matching.data.more ? '+' : ''} traces matching the filter`
      : 'every trace matching the filter';
  const loadingDatasets = datasets.isPending;

  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate();
  }

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="add-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="add-title">Add to evaluation dataset</h2>
        <p className="muted" id="selection-count" aria-describedby={selectionError ? 'selection-error' : undefined}>
          Adds {count} as records (inputs, outputs, expectations). Records of traces already in the dataset are merged.
        </p>
        {selectionError && <p id="selection-error" className="field-error" role="alert">{selectionError}</p>}
        <fieldset>
          <legend>Dataset</legend>
          <label className="radio">
            {/* Disabled only once the list is known to be empty, not while it loads. */}
            <input type="radio" name="mode" checked={mode === 'existing'} disabled={datasets.isSuccess && datasets.data.length === 0} onChange={() => setMode('existing')} /> Existing dataset
          </label>
          {mode === 'existing' && (
            <>
              <label htmlFor="dataset-existing" className="visually-hidden">Existing dataset</label>
              <select id="dataset-existing" value={existing} onChange={(e) => setExisting(e.target.value)} aria-busy={loadingDatasets || undefined}>
                {loadingDatasets && <option value="">Loading datasets…</option>}
                {datasets.data?.map((d) => <option key={d.dataset_id} value={d.name}>{d.name} ({d.record_count} records)</option>)}
              </select>
            </>
          )}
          <label className="radio">
            <input type="radio" name="mode" checked={mode === 'new'} onChange={() => setMode('new')} /> New dataset
          </label>
          {mode === 'new' && (
            <>
              <label htmlFor="dataset-name">Name (<code>schema.table</code>)</label>
              <input id="dataset-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="evals.support_questions" aria-invalid={nameError ? true : undefined} aria-describedby={nameError ? 'dataset-name-error' : undefined} autoFocus />
              {nameError && <p id="dataset-name-error" className="field-error" role="alert">{nameError}</p>}
            </>
          )}
        </fieldset>
        {error && !nameError && !selectionError && <p className="field-error" role="alert">{error}</p>}
        {add.data && (
          <p className="success" role="status">
            Read {add.data.traces_read} trace{add.data.traces_read === 1 ? '' : 's'}: added {add.data.inserted} record{add.data.inserted === 1 ? '' : 's'} and merged {add.data.updated} into <strong>{add.data.dataset}</strong> (version {add.data.version}).
            {add.data.traces_read > add.data.inserted + add.data.updated && (
              <span className="muted"> Traces with the same inputs make one record.</span>
            )}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>{add.data ? 'Close' : 'Cancel'}</button>
          {!add.data && (
            <button type="submit" className="primary" disabled={add.isPending || (mode === 'new' ? !name.trim() : !existing)}>
              {add.isPending ? 'Adding…' : 'Add'}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
