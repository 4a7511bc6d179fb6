/**
 * A person's verdict on a whole session (writers only): session-level feedback on the session's last
 * trace, named like a session judge so the judge agreement page can compare the two.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';

const SESSION_JUDGES = ['conversation_completeness', 'user_frustration', 'knowledge_retention'];

export function SessionLabel({ sessionId, lastTraceId, names }: { sessionId: string; lastTraceId: string; names: string[] }) {
  const client = useQueryClient();
  const options = [...new Set([...SESSION_JUDGES, ...names])];
  const [name, setName] = useState(options[0]!);
  const [value, setValue] = useState<'yes' | 'no'>('yes');
  const [rationale, setRationale] = useState('');
  const log = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/api/v1/traces/{traceId}/assessments', {
        params: { path: { traceId: lastTraceId } },
        body: {
          assessment_name: name,
          feedback: { value },
          ...(rationale.trim() ? { rationale: rationale.trim() } : {}),
          metadata: { 'mlflow.trace.session': sessionId },
        } as never,
      })),
    onSuccess: () => {
      setRationale('');
      for (const key of ['session', 'sessions', 'judge-agreement', 'trace']) void client.invalidateQueries({ queryKey: [key] });
    },
  });
  const error = log.error instanceof ApiError ? log.error.message : log.error ? String(log.error) : null;
  function submit(event: FormEvent) {
    event.preventDefault();
    log.mutate();
  }
  return (
    <form className="form session-label" onSubmit={submit} aria-labelledby="session-label-title">
      <h3 id="session-label-title">Your verdict on this session</h3>
      <p className="muted small">Attached to the last turn as session feedback; the judge agreement page compares it with the judge of the same name.</p>
      <label htmlFor="sl-name">Name</label>
      <select id="sl-name" value={name} onChange={(e) => setName(e.target.value)}>
        {options.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
      <fieldset className="inline">
        <legend>Value</legend>
        {(['yes', 'no'] as const).map((v) => (
          <label key={v} className="radio"><input type="radio" name="sl-value" checked={value === v} onChange={() => setValue(v)} /> {v}</label>
        ))}
      </fieldset>
      <label htmlFor="sl-rationale">Rationale</label>
      <textarea id="sl-rationale" rows={2} value={rationale} onChange={(e) => setRationale(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? 'sl-error' : undefined} />
      {error && <p id="sl-error" className="field-error" role="alert">{error}</p>}
      {log.isSuccess && <p className="success" role="status">Saved {log.data.assessment.assessment_name} on the last turn.</p>}
      <div className="actions"><button type="submit" className="primary" disabled={log.isPending}>Save verdict</button></div>
    </form>
  );
}
