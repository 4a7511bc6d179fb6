/** The labeling sessions of the experiment with their progress, and a form to create one. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import type { ShellSearch } from '../router';
import { useCan } from '../shell/session';
import { useSessions, type LabelSchema } from './queries';

export function SessionsPage() {
  const search = useSearch({ from: '/labeling' }) as ShellSearch;
  const experimentId = search.exp ?? '';
  const sessions = useSessions(experimentId);
  const canWrite = useCan('writer');
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="labeling-title">
      <div className="page-head">
        <h1 id="labeling-title">Labeling sessions</h1>
        {canWrite && !creating && <button type="button" className="primary" onClick={() => setCreating(true)}>New session</button>}
      </div>
      {creating && <CreateSession experimentId={experimentId} onClose={() => setCreating(false)} />}
      {sessions.error && <p className="page-error" role="alert">{sessions.error.message}</p>}
      <div className="card table-wrap">
        <table className="grid runs">
          <thead><tr><th>Name</th><th>Progress</th><th>Label schemas</th><th>Assigned</th><th>Created</th></tr></thead>
          <tbody>
            {sessions.data?.length === 0 && <tr><td colSpan={5} className="muted">No labeling sessions in this experiment yet.</td></tr>}
            {sessions.data?.map((s) => (
              <tr key={s.labeling_session_id}>
                <td><Link to="/labeling/$sessionId" params={{ sessionId: s.labeling_session_id }} search={(prev) => ({ exp: (prev as ShellSearch).exp })}>{s.name}</Link></td>
                <td>
                  <progress max={s.progress.total || 1} value={s.progress.done} aria-label={`${s.name}: ${s.progress.done} of ${s.progress.total} done`} />{' '}
                  <span className="num-inline">{s.progress.done} of {s.progress.total} done</span>
                </td>
                <td>{s.label_schemas.map((x) => <span key={x.name} className={`chip ${x.kind === 'expectation' ? 'chip-expectation' : ''}`}>{x.name}</span>)}</td>
                <td>{s.assigned_users.join(', ') || <span className="muted">anyone with a writer token</span>}</td>
                <td>{new Date(s.created_time).toLocaleString()} · {s.created_by ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type Draft = { name: string; kind: 'feedback' | 'expectation'; type: LabelSchema['type']; min: string; max: string; options: string };
const emptySchema = (): Draft => ({ name: '', kind: 'feedback', type: 'yes_no', min: '1', max: '5', options: '' });

function toSchema(d: Draft): Record<string, unknown> {
  const s: Record<string, unknown> = { name: d.name.trim(), kind: d.kind, type: d.type };
  if (d.type === 'numeric') Object.assign(s, { min: Number(d.min), max: Number(d.max) });
  if (d.type === 'categorical') s.options = d.options.split(',').map((o) => o.trim()).filter(Boolean);
  return s;
}

function CreateSession({ experimentId, onClose }: { experimentId: string; onClose(): void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [users, setUsers] = useState('');
  const [filter, setFilter] = useState('');
  const [schemas, setSchemas] = useState<Draft[]>([{ ...emptySchema(), name: 'helpful' }, { ...emptySchema(), name: 'expected_response', kind: 'expectation', type: 'text' }]);
  const create = useMutation({
    mutationFn: async () => {
      // The filter is checked first, so a filter that does not parse leaves no session behind.
      if (filter.trim()) ok(await api.POST('/api/v1/traces/search', { body: { experiment_ids: [experimentId], filter_string: filter.trim(), max_results: 1 } }));
      const session = ok(await api.POST('/api/v1/labeling-sessions', {
        body: { name, experiment_id: experimentId, label_schemas: schemas.map(toSchema) as never, assigned_users: users.split(',').map((u) => u.trim()).filter(Boolean) },
      }));
      if (filter.trim()) ok(await api.POST('/api/v1/labeling-sessions/{id}/traces', { params: { path: { id: session.labeling_session_id } }, body: { filter_string: filter.trim() } }));
      return session;
    },
    onSuccess: (session) => {
      void client.invalidateQueries({ queryKey: ['labeling-sessions'] });
      void navigate({ to: '/labeling/$sessionId', params: { sessionId: session.labeling_session_id }, search: { exp: experimentId } });
    },
  });
  const messages = create.error instanceof ApiError ? create.error.message.split(/;\s+/) : create.error ? [String(create.error)] : [];
  const on = (prefix: string) => messages.filter((m) => m.startsWith(prefix));
  const placed = (m: string) => /^(name|assigned_users|label_schemas|filter_string)/.test(m);
  const set = (i: number, patch: Partial<Draft>) => setSchemas((list) => list.map((d, j) => (j === i ? { ...d, ...patch } : d)));

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  const fieldError = (id: string, list: string[]) => list.length > 0 && <p id={id} className="field-error" role="alert">{list.join('; ')}</p>;

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="new-session-title">
      <h2 id="new-session-title">New labeling session</h2>
      <div className="form-grid">
        <label htmlFor="session-name">Name</label>
        <div>
          <input id="session-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={on('name').length ? true : undefined} aria-describedby={on('name').length ? 'session-name-error' : undefined} />
          {fieldError('session-name-error', on('name'))}
        </div>
        <label htmlFor="session-users">Labelers (token names, comma-separated)</label>
        <div>
          <input id="session-users" value={users} onChange={(e) => setUsers(e.target.value)} placeholder="alice, bob" aria-invalid={on('assigned_users').length ? true : undefined} aria-describedby={on('assigned_users').length ? 'session-users-error' : undefined} />
          {fieldError('session-users-error', on('assigned_users'))}
        </div>
        <label htmlFor="session-filter">Add traces matching (optional)</label>
        <div>
          <input id="session-filter" className="mono" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="tags.environment = 'production'" aria-invalid={on('filter_string').length ? true : undefined} aria-describedby={on('filter_string').length ? 'session-filter-error' : undefined} />
          {fieldError('session-filter-error', on('filter_string'))}
        </div>
      </div>
      <fieldset>
        <legend>Label schemas</legend>
        {schemas.map((d, i) => {
          const errs = on(`label_schemas[${i}]`);
          return (
            <div key={i} className="schema-row">
              <label htmlFor={`schema-${i}-name`} className="visually-hidden">Schema {i + 1} name</label>
              <input id={`schema-${i}-name`} value={d.name} onChange={(e) => set(i, { name: e.target.value })} placeholder="name" aria-invalid={errs.length ? true : undefined} aria-describedby={errs.length ? `schema-${i}-error` : undefined} />
              <label htmlFor={`schema-${i}-kind`} className="visually-hidden">Schema {i + 1} kind</label>
              <select id={`schema-${i}-kind`} value={d.kind} onChange={(e) => set(i, { kind: e.target.value as Draft['kind'] })}>
                <option value="feedback">feedback</option><option value="expectation">expectation</option>
              </select>
              <label htmlFor={`schema-${i}-type`} className="visually-hidden">Schema {i + 1} type</label>
              <select id={`schema-${i}-type`} value={d.type} onChange={(e) => set(i, { type: e.target.value as Draft['type'] })}>
                <option value="yes_no">yes / no</option><option value="numeric">number in a range</option><option value="categorical">one of categories</option><option value="text">free text</option>
              </select>
              {d.type === 'numeric' && (
                <>
                  <label htmlFor={`schema-${i}-min`}>min</label><input id={`schema-${i}-min`} type="number" className="short" value={d.min} onChange={(e) => set(i, { min: e.target.value })} />
                  <label htmlFor={`schema-${i}-max`}>max</label><input id={`schema-${i}-max`} type="number" className="short" value={d.max} onChange={(e) => set(i, { max: e.target.value })} />
                </>
              )}
              {d.type === 'categorical' && (
                <>
                  <label htmlFor={`schema-${i}-options`} className="visually-hidden">Schema {i + 1} options</label>
                  <input id={`schema-${i}-options`} value={d.options} onChange={(e) => set(i, { options: e.target.value })} placeholder="billing, shipping, other" />
                </>
              )}
              <button type="button" className="link danger" onClick={() => setSchemas((list) => list.filter((_, j) => j !== i))} aria-label={`Remove schema ${i + 1}`}>Remove</button>
              {fieldError(`schema-${i}-error`, errs)}
            </div>
          );
        })}
        <div className="row">
          <button type="button" onClick={() => setSchemas((l) => [...l, emptySchema()])}>Add a schema</button>
          <span className="muted small">Expectations <code>expected_response</code> (text), <code>expected_facts</code> and <code>guidelines</code> (lists, one per line) sync into datasets.</span>
        </div>
        {fieldError('schemas-error', on('label_schemas').filter((m) => !/^label_schemas\[\d+\]/.test(m)))}
      </fieldset>
      {messages.filter((m) => !placed(m)).length > 0 && <p className="field-error" role="alert">{messages.filter((m) => !placed(m)).join('; ')}</p>}
      <div className="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create session'}</button>
      </div>
    </form>
  );
}
