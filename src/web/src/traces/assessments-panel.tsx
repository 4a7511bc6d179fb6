/** Every assessment of a trace, and the forms a person uses to add feedback, expectations or an override. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import { VerdictChip } from '../components/verdict-chip';
import { JsonView } from '../components/json-view';
import { useCan } from '../shell/session';
import type { paths } from '../api/schema';
import type { Assessment } from './queries';

/** The body of a new assessment, as the API documents it. */
type NewAssessment = NonNullable<paths['/api/v1/traces/{traceId}/assessments']['post']['requestBody']>['content']['application/json'];

const EXPECTATIONS = ['expected_response', 'expected_facts', 'guidelines'] as const;

export function AssessmentsPanel({ traceId, assessments }: { traceId: string; assessments: Assessment[] }) {
  const canWrite = useCan('writer');
  const [override, setOverride] = useState<Assessment | null>(null);
  const sorted = [...assessments].sort((a, b) => Number(b.valid) - Number(a.valid) || a.assessment_name.localeCompare(b.assessment_name) || b.create_time.localeCompare(a.create_time));
  return (
    <aside className="assessments" aria-labelledby="assessments-title">
      <h2 id="assessments-title">Assessments <span className="muted small">({assessments.length})</span></h2>
      {sorted.length === 0 && <p className="muted">No feedback or expectations yet.</p>}
      <ul className="assessment-list">
        {sorted.map((a) => (
          <li key={a.assessment_id} className={`assessment${a.valid ? '' : ' invalid'}`}>
            <div className="assessment-head">
              <strong>{a.assessment_name}</strong>
              {a.expectation ? <span className="chip chip-expectation">expectation</span> : <VerdictChip assessment={a} />}
              {!a.valid && <span className="chip chip-invalid" title="Replaced by an override">overridden</span>}
            </div>
            {a.expectation && typeof a.expectation.value !== 'string' && <JsonView value={a.expectation.value} expanded />}
            {a.expectation && typeof a.expectation.value === 'string' && <p>{a.expectation.value}</p>}
            {a.rationale && <p className="rationale">{a.rationale}</p>}
            {a.feedback?.error && <p className="field-error">{a.feedback.error.error_code}: {a.feedback.error.error_message}</p>}
            <p className="meta">
              {a.source.source_type === 'LLM_JUDGE' ? 'Judge' : a.source.source_type === 'HUMAN' ? 'Person' : a.source.source_type}
              {a.source.source_id ? ` · ${a.metadata['assay.judge.model'] ?? a.source.source_id}` : ''}
              {' · '}<time dateTime={a.create_time}>{new Date(a.create_time).toLocaleString()}</time>
              {a.metadata['assay.monitor.run_id'] && <> · run <span className="mono">{a.metadata['assay.monitor.run_id'].slice(0, 8)}</span></>}
            </p>
            {canWrite && a.valid && a.feedback && a.source.source_type !== 'HUMAN' && (
              <button type="button" className="link" onClick={() => setOverride(a)}>Override</button>
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <>
          <FeedbackForm key={override?.assessment_id ?? 'new'} traceId={traceId} override={override} onDone={() => setOverride(null)} />
          <ExpectationForm traceId={traceId} />
        </>
      )}
    </aside>
  );
}

function useLogAssessment(traceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: NewAssessment) =>
      ok(await api.POST('/api/v1/traces/{traceId}/assessments', { params: { path: { traceId } }, body })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['trace', traceId] });
      void client.invalidateQueries({ queryKey: ['traces'] });
    },
  });
}

function FeedbackForm({ traceId, override, onDone }: { traceId: string; override: Assessment | null; onDone(): void }) {
  const [name, setName] = useState(override?.assessment_name ?? '');
  const [kind, setKind] = useState<'yes' | 'no' | 'number'>('yes');
  const [number, setNumber] = useState('');
  const [rationale, setRationale] = useState('');
  const log = useLogAssessment(traceId);
  const error = log.error instanceof ApiError ? log.error.message : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = kind === 'number' ? Number(number) : kind;
    log.mutate(
      { assessment_name: name.trim(), feedback: { value }, ...(rationale.trim() ? { rationale: rationale.trim() } : {}), ...(override ? { overrides: override.assessment_id } : {}) },
      { onSuccess: () => { setRationale(''); setNumber(''); if (!override) setName(''); onDone(); } },
    );
  }
  const fieldError = (field: string) => (error && error.startsWith(field) ? error : null);
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="feedback-title">
      <h3 id="feedback-title">{override ? `Override “${override.assessment_name}”` : 'Add feedback'}</h3>
      {override && <p className="muted small">The judge’s feedback stays, marked overridden.</p>}
      <label htmlFor="fb-name">Name</label>
      <input id="fb-name" value={name} onChange={(e) => setName(e.target.value)} readOnly={Boolean(override)} placeholder="correctness" required />
      {fieldError('assessment_name') && <p className="field-error" role="alert">{fieldError('assessment_name')}</p>}
      <fieldset className="inline">
        <legend>Value</legend>
        {(['yes', 'no', 'number'] as const).map((k) => (
          <label key={k} className="radio"><input type="radio" name="fb-kind" checked={kind === k} onChange={() => setKind(k)} /> {k === 'number' ? 'Number' : k}</label>
        ))}
      </fieldset>
      {kind === 'number' && (
        <>
          <label htmlFor="fb-number">Score</label>
          <input id="fb-number" type="number" step="any" value={number} onChange={(e) => setNumber(e.target.value)} required />
        </>
      )}
      {fieldError('feedback') && <p className="field-error" role="alert">{fieldError('feedback')}</p>}
      <label htmlFor="fb-rationale">Rationale</label>
      <textarea id="fb-rationale" rows={2} value={rationale} onChange={(e) => setRationale(e.target.value)} />
      {error && !fieldError('assessment_name') && !fieldError('feedback') && <p className="field-error" role="alert">{error}</p>}
      <div className="actions">
        {override && <button type="button" onClick={onDone}>Cancel</button>}
        <button type="submit" className="primary" disabled={log.isPending || !name.trim()}>{override ? 'Save override' : 'Add feedback'}</button>
      </div>
    </form>
  );
}

function ExpectationForm({ traceId }: { traceId: string }) {
  const [name, setName] = useState<(typeof EXPECTATIONS)[number]>('expected_response');
  const [text, setText] = useState('');
  const log = useLogAssessment(traceId);
  const error = log.error instanceof ApiError ? log.error.message : null;
  function submit(event: FormEvent) {
    event.preventDefault();
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    const value = name === 'expected_response' ? text.trim() : lines;
    log.mutate({ assessment_name: name, expectation: { value } }, { onSuccess: () => setText('') });
  }
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="expectation-title">
      <h3 id="expectation-title">Add expectation</h3>
      <label htmlFor="ex-name">Kind</label>
      <select id="ex-name" value={name} onChange={(e) => setName(e.target.value as typeof name)}>
        {EXPECTATIONS.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
      <label htmlFor="ex-value">{name === 'expected_response' ? 'Expected response' : `${name === 'expected_facts' ? 'Facts' : 'Guidelines'}, one per line`}</label>
      <textarea id="ex-value" rows={3} value={text} onChange={(e) => setText(e.target.value)} required aria-invalid={error ? true : undefined} aria-describedby={error ? 'ex-error' : undefined} />
      {error && <p id="ex-error" className="field-error" role="alert">{error}</p>}
      <div className="actions"><button type="submit" className="primary" disabled={log.isPending || !text.trim()}>Add expectation</button></div>
    </form>
  );
}
