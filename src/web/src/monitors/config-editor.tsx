/**
 * The monitor config as a form and as JSON. Saved whole with If-Match, so an edit made elsewhere
 * since the page was opened is reported instead of overwritten.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { fieldErrors } from '../lib/field-errors';
import { useScorerCatalogue, type Monitor, type MonitorConfig, type MonitorScorer } from './queries';

const NEW_CONFIG: MonitorConfig = { results_schema: 'monitoring', sample: 1, paused: false, interval_minutes: 15, scorers: [{ name: 'safety' }] };

/** `readOnly`: the same form for a role that may read the monitor but not change it. */
export function ConfigEditor({ experimentId, monitor, onDraft, readOnly = false }: { experimentId: string; monitor: Monitor | null; onDraft(c: MonitorConfig): void; readOnly?: boolean }) {
  const client = useQueryClient();
  const [draft, setDraftState] = useState<MonitorConfig>(monitor?.config ?? NEW_CONFIG);
  const [tab, setTab] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const setDraft = (c: MonitorConfig) => { setDraftState(c); onDraft(c); };

  const save = useMutation({
    mutationFn: async (config: MonitorConfig) =>
      ok(await api.PUT('/api/v1/experiments/{id}/monitor', {
        params: { path: { id: experimentId } },
        // The GET answer types alerts loosely; the document goes back whole, and the API checks it.
        body: config as never,
        headers: monitor ? { 'if-match': monitor.etag } : {},
      })),
    onSuccess: (saved) => {
      client.setQueryData(['monitor', experimentId], saved);
    },
    onError: (e) => setConflict(e instanceof ApiError && e.status === 412),
  });

  const errors = save.error instanceof ApiError && save.error.status !== 412 ? fieldErrors(save.error.message, save.error.problems) : null;
  const at = (path: string) => errors?.byField(path);

  function currentConfig(): MonitorConfig | null {
    if (tab === 'form') return draft;
    try {
      const parsed = JSON.parse(json) as MonitorConfig;
      setJsonError(null);
      return parsed;
    } catch (e) {
      setJsonError(`JSON: ${(e as Error).message}`);
      return null;
    }
  }

  function switchTab(next: 'form' | 'json') {
    if (next === tab) return;
    if (next === 'json') { setJson(JSON.stringify(draft, null, 2)); setTab('json'); return; }
    const parsed = currentConfig();
    if (parsed) { setDraft(parsed); setTab('form'); }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const config = currentConfig();
    if (config) save.mutate(config);
  }

  function reload() {
    setConflict(false);
    save.reset();
    void client.invalidateQueries({ queryKey: ['monitor', experimentId] });
  }

  const updateScorer = (i: number, patch: Partial<MonitorScorer>) =>
    setDraft({ ...draft, scorers: draft.scorers.map((s, j) => (j === i ? dropUndefined({ ...s, ...patch }) : s)) });

  return (
    <form className="card config" onSubmit={submit} aria-labelledby="config-title" noValidate>
      <div className="card-head">
        <h2 id="config-title">{monitor ? `Configuration · version ${monitor.version}` : 'Create a monitor'}</h2>
        <div role="tablist" aria-label="Edit as" className="tabs">
          <button type="button" role="tab" aria-selected={tab === 'form'} onClick={() => switchTab('form')}>Form</button>
          <button type="button" role="tab" aria-selected={tab === 'json'} onClick={() => switchTab('json')}>JSON</button>
        </div>
      </div>
      {conflict && (
        <div className="banner warn" role="alert">
          <strong>This monitor changed since you opened it.</strong> Your edits were not saved.{' '}
          <button type="button" className="link" onClick={reload}>Load the current version</button>
        </div>
      )}
      {readOnly && <p className="muted small">Read only: an admin can change the monitor.</p>}
      <fieldset className="bare" disabled={readOnly && tab === 'form'}>
      {tab === 'json' ? (
        <>
          <label htmlFor="config-json" className="visually-hidden">Monitor config JSON</label>
          <textarea id="config-json" className="mono json-edit" rows={18} value={json} readOnly={readOnly} onChange={(e) => setJson(e.target.value)} spellCheck={false} />
          {jsonError && <p className="field-error" role="alert">{jsonError}</p>}
        </>
      ) : (
        <div className="form-grid">
          <label htmlFor="results-schema">Results schema</label>
          <div>
            <input id="results-schema" value={draft.results_schema} readOnly={Boolean(monitor)} onChange={(e) => setDraft({ ...draft, results_schema: e.target.value })} aria-describedby="results-schema-help" />
            <p id="results-schema-help" className="muted small">Postgres schema of the results table; fixed once created.</p>
            <FieldError messages={at('results_schema')} />
          </div>
          <label htmlFor="sample">Default rate</label>
          <div className="rate">
            <input id="sample" type="range" min={0} max={1} step={0.01} value={draft.sample} onChange={(e) => setDraft({ ...draft, sample: Number(e.target.value) })} />
            <output htmlFor="sample">{Math.round(draft.sample * 100)}%</output>
            <FieldError messages={at('sample')} />
          </div>
          <label htmlFor="interval">Every (minutes)</label>
          <div>
            <input id="interval" type="number" min={1} value={draft.interval_minutes} onChange={(e) => setDraft({ ...draft, interval_minutes: Number(e.target.value) })} />
            <FieldError messages={at('interval_minutes')} />
          </div>
          <label htmlFor="paused">Paused</label>
          <div><input id="paused" type="checkbox" checked={draft.paused} onChange={(e) => setDraft({ ...draft, paused: e.target.checked })} /></div>
          <label htmlFor="monitor-filter">Filter</label>
          <div>
            <input id="monitor-filter" className="mono" value={draft.filter_string ?? ''} placeholder="tags.environment = 'production'" onChange={(e) => setDraft(dropUndefined({ ...draft, filter_string: e.target.value || undefined }))} />
            <FieldError messages={at('filter_string')} />
          </div>
        </div>
      )}
      {tab === 'form' && (
        <Scorers scorers={draft.scorers} defaultRate={draft.sample} update={updateScorer} errorsAt={at} readOnly={readOnly}
          remove={(i) => setDraft({ ...draft, scorers: draft.scorers.filter((_, j) => j !== i) })}
          add={(s) => setDraft({ ...draft, scorers: [...draft.scorers, s] })} />
      )}
      </fieldset>
      {errors && errors.unplaced.length > 0 && <FieldError messages={errors.unplaced} />}
      {tab === 'json' && errors && <FieldError messages={errors.all} />}
      {save.isSuccess && !save.isPending && <p className="success" role="status">Saved (version {save.data.version}).</p>}
      {!readOnly && (
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>{monitor ? 'Save' : 'Create monitor'}</button>
        </div>
      )}
    </form>
  );
}

function Scorers(props: {
  scorers: MonitorScorer[];
  defaultRate: number;
  update(i: number, patch: Partial<MonitorScorer>): void;
  remove(i: number): void;
  add(s: MonitorScorer): void;
  errorsAt(path: string): string[] | undefined;
  readOnly: boolean;
}) {
  const catalogue = useScorerCatalogue();
  const [adding, setAdding] = useState('');
  return (
    <fieldset className="scorers">
      <legend>Scorers</legend>
      {props.scorers.map((s, i) => {
        const type = s.type ?? s.name;
        const rate = s.sample_rate ?? props.defaultRate;
        const id = `scorer-${i}`;
        return (
          <div key={i} className="scorer" role="group" aria-label={`Scorer ${s.name}`}>
            <div className="scorer-head">
              <strong>{s.name}</strong>
              {s.type && s.type !== s.name && <span className="muted">({s.type})</span>}
              {!props.readOnly && <button type="button" className="link danger" onClick={() => props.remove(i)} aria-label={`Remove scorer ${s.name}`}>Remove</button>}
            </div>
            {/* The scorer's own problems here; a field's next to that field. */}
            <FieldError messages={scorerLevel(props.errorsAt(`scorers[${i}]`), i)} />
            <div className="form-grid">
              <label htmlFor={`${id}-rate`}>Rate</label>
              <div className="rate">
                <input id={`${id}-rate`} type="range" min={0} max={1} step={0.01} value={rate} onChange={(e) => props.update(i, { sample_rate: Number(e.target.value) })} />
                <output htmlFor={`${id}-rate`}>{Math.round(rate * 100)}%{s.sample_rate === undefined ? ' (default)' : ''}</output>
              </div>
              <label htmlFor={`${id}-filter`}>Filter</label>
              <div>
                <input id={`${id}-filter`} className="mono" value={s.filter_string ?? ''} onChange={(e) => props.update(i, { filter_string: e.target.value || undefined })} placeholder="only traces matching…"
                  {...invalidProps(props.errorsAt(`scorers[${i}].filter_string`), `${id}-filter-error`)} />
                <FieldError id={`${id}-filter-error`} messages={props.errorsAt(`scorers[${i}].filter_string`)} />
              </div>
              {type === 'guidelines' && (
                <>
                  <label htmlFor={`${id}-guidelines`}>Guidelines</label>
                  <div>
                    <textarea id={`${id}-guidelines`} rows={3} value={Array.isArray(s.guidelines) ? (s.guidelines as string[]).join('\n') : String(s.guidelines ?? '')}
                      onChange={(e) => props.update(i, { guidelines: e.target.value.split('\n').filter((l) => l.trim()) })} placeholder="One guideline per line"
                      {...invalidProps(props.errorsAt(`scorers[${i}].guidelines`), `${id}-guidelines-error`)} />
                    <FieldError id={`${id}-guidelines-error`} messages={props.errorsAt(`scorers[${i}].guidelines`)} />
                  </div>
                </>
              )}
              {type === 'custom_judge' && (
                <>
                  <label htmlFor={`${id}-instructions`}>Instructions</label>
                  <div>
                    <textarea id={`${id}-instructions`} rows={4} className="mono" value={String(s.instructions ?? '')} onChange={(e) => props.update(i, { instructions: e.target.value })} placeholder="Does {{ outputs }} answer {{ inputs }}?"
                      {...invalidProps(props.errorsAt(`scorers[${i}].instructions`), `${id}-instructions-error`)} />
                    <FieldError id={`${id}-instructions-error`} messages={props.errorsAt(`scorers[${i}].instructions`)} />
                  </div>
                </>
              )}
            </div>
          </div>
        );
      })}
      {!props.readOnly && <div className="add-scorer">
        <label htmlFor="add-scorer">Add a scorer</label>
        <select id="add-scorer" value={adding} onChange={(e) => setAdding(e.target.value)}>
          <option value="">Choose…</option>
          {catalogue.data?.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
        </select>
        <button type="button" disabled={!adding} onClick={() => {
          const taken = new Set(props.scorers.map((s) => s.name));
          let name = adding;
          for (let n = 2; taken.has(name); n++) name = `${adding}_${n}`;
          props.add(name === adding ? { name } : { name, type: adding });
          setAdding('');
        }}>Add</button>
      </div>}
    </fieldset>
  );
}

function FieldError({ messages, id }: { messages: string[] | undefined; id?: string }) {
  if (!messages || messages.length === 0) return null;
  return <p id={id} className="field-error" role="alert">{messages.join('; ')}</p>;
}

/** Fields of a scorer that show their own messages beside them. */
const SCORER_FIELDS = ['filter_string', 'guidelines', 'instructions'];

function scorerLevel(messages: string[] | undefined, i: number): string[] | undefined {
  const rest = messages?.filter((m) => !SCORER_FIELDS.some((f) => m.startsWith(`scorers[${i}].${f}`)));
  return rest && rest.length > 0 ? rest : undefined;
}

function invalidProps(messages: string[] | undefined, errorId: string) {
  return messages ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : {};
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
