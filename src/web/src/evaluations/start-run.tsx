/** Start an evaluation run: a dataset and version, an optional target, judges; the API's messages beside the fields. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok, type RequestOf } from '../api/client';
import { useDatasets } from '../datasets/queries';
import { useScorerCatalogue } from '../monitors/queries';

type TargetKind = 'none' | 'openai_chat' | 'http';

export function StartRun({ experimentId, onClose }: { experimentId: string; onClose(): void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const datasets = useDatasets();
  const catalogue = useScorerCatalogue();
  const [name, setName] = useState('');
  const [dataset, setDataset] = useState('');
  const [version, setVersion] = useState('');
  const [target, setTarget] = useState<TargetKind>('none');
  const [url, setUrl] = useState('');
  const [model, setModel] = useState('');
  const [judges, setJudges] = useState<string[]>([]);
  const start = useMutation({
    mutationFn: async () => {
      const body: RequestOf<'/api/v1/evaluations', 'post'> = {
        experiment_id: experimentId,
        data: { name: dataset, ...(version.trim() ? { version: Number(version) } : {}) },
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(judges.length ? { scorers: judges } : {}),
        ...(target === 'openai_chat' ? { target: { type: 'openai_chat', base_url: url, model } } : target === 'http' ? { target: { type: 'http', url } } : {}),
      };
      return ok(await api.POST('/api/v1/evaluations', { body })).run;
    },
    onSuccess: (run) => {
      void client.invalidateQueries({ queryKey: ['evaluations'] });
      void navigate({ to: '/evaluations/$runId', params: { runId: run.run_id }, search: { exp: experimentId } });
    },
  });
  const messages = start.error instanceof ApiError ? start.error.message.split(/;\s+/) : start.error ? [String(start.error)] : [];
  const on = (prefix: RegExp) => messages.filter((m) => prefix.test(m));
  const unplaced = messages.filter((m) => !/^(data|target|scorers|name)/.test(m));
  const err = (id: string, list: string[]) => list.length > 0 && <p id={id} className="field-error" role="alert">{list.join('; ')}</p>;
  const aria = (id: string, list: string[]) => (list.length ? { 'aria-invalid': true as const, 'aria-describedby': id } : {});

  function submit(e: FormEvent) {
    e.preventDefault();
    start.mutate();
  }
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="start-title">
      <h2 id="start-title">Start an evaluation run</h2>
      <div className="form-grid">
        <label htmlFor="run-name">Name</label>
        <div><input id="run-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="prompt v2" {...aria('run-name-error', on(/^name/))} />{err('run-name-error', on(/^name/))}</div>
        <label htmlFor="run-dataset">Dataset</label>
        <div>
          <select id="run-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} {...aria('run-data-error', on(/^data/))}>
            <option value="">Choose a dataset…</option>
            {datasets.data?.map((d) => <option key={d.dataset_id} value={d.name}>{d.name} ({d.record_count} records, v{d.current_version})</option>)}
          </select>
          {err('run-data-error', on(/^data/))}
        </div>
        <label htmlFor="run-version">Version</label>
        <input id="run-version" type="number" min={0} value={version} onChange={(e) => setVersion(e.target.value)} placeholder="current" />
        <label htmlFor="run-target">Target</label>
        <div>
          <select id="run-target" value={target} onChange={(e) => setTarget(e.target.value as TargetKind)} {...aria('run-target-error', on(/^target/))}>
            <option value="none">None: records carry their outputs</option>
            <option value="openai_chat">OpenAI-compatible chat endpoint</option>
            <option value="http">HTTP endpoint</option>
          </select>
          {target !== 'none' && (
            <div className="row">
              <label htmlFor="run-url">{target === 'http' ? 'URL' : 'Base URL'}</label>
              <input id="run-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…" />
              {target === 'openai_chat' && <><label htmlFor="run-model">Model</label><input id="run-model" value={model} onChange={(e) => setModel(e.target.value)} /></>}
            </div>
          )}
          {err('run-target-error', on(/^target/))}
        </div>
        <span id="run-judges-label">Judges</span>
        <div>
          <div className="samples" role="group" aria-labelledby="run-judges-label">
            {catalogue.data?.map((s) => (
              <label key={s.name} className="radio" title={s.description}>
                <input type="checkbox" checked={judges.includes(s.name)} onChange={(e) => setJudges((j) => (e.target.checked ? [...j, s.name] : j.filter((x) => x !== s.name)))} /> {s.name}
              </label>
            ))}
          </div>
          <p className="muted small">None chosen: picked from what the rows hold.</p>
          {err('run-scorers-error', on(/^scorers/))}
        </div>
      </div>
      {unplaced.length > 0 && <p className="field-error" role="alert">{unplaced.join('; ')}</p>}
      <div className="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="primary" disabled={start.isPending}>{start.isPending ? 'Starting…' : 'Start run'}</button>
      </div>
    </form>
  );
}
