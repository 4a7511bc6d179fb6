/**
 * A labeler goes through a session's traces one by one: the trace's request, response and retrieved
 * documents beside the form built from the label schemas; progress above; keyboard shortcuts for the
 * common answers. Labels are written as assessments whose source is the labeler's token name.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, ok } from '../api/client';
import type { LabelerSearch } from '../router';
import { useCan, useWhoami } from '../shell/session';
import { useTrace } from '../traces/queries';
import { Value } from '../traces/span-detail';
import { answerProblems, LabelForm, myAnswers, type Answers } from './label-form';
import { useSession, useSessionTraces, type LabelSchema, type SessionTrace } from './queries';
import { SyncPanel } from './sync-panel';

export function LabelerPage() {
  const { sessionId } = useParams({ from: '/labeling/$sessionId' });
  const search = useSearch({ from: '/labeling/$sessionId' }) as LabelerSearch;
  const navigate = useNavigate({ from: '/labeling/$sessionId' });
  const session = useSession(sessionId);
  const traces = useSessionTraces(sessionId);
  const me = useWhoami().data?.name ?? '';
  const canWrite = useCan('writer');
  const list = useMemo(() => traces.data?.pages.flatMap((p) => p.traces) ?? [], [traces.data]);
  useEffect(() => {
    if (traces.hasNextPage && !traces.isFetchingNextPage) void traces.fetchNextPage();
  }, [traces]);
  const total = list.length;
  const index = Math.min(search.i ?? firstOpen(list), Math.max(0, total - 1));
  const current = list[index];
  const go = (i: number) => void navigate({ search: (prev) => ({ ...prev, i: Math.max(0, Math.min(total - 1, i)) }) });

  if (session.error) return <p className="page-error" role="alert">{session.error.message}</p>;
  if (session.isPending || traces.isPending) return <p className="loading" role="status">Loading session…</p>;
  const s = session.data;
  const mine = s.progress.by_user[me] ?? 0;
  return (
    <section className="labeler-page" aria-labelledby="session-title">
      <div className="page-head">
        <Link to="/labeling" search={(prev) => ({ exp: (prev as LabelerSearch).exp })} className="back">← Sessions</Link>
        <h1 id="session-title">{s.name}</h1>
        <span className="progress-line" role="status">
          <progress max={s.progress.total || 1} value={s.progress.done} aria-label="Session progress" />{' '}
          <strong>{s.progress.done} of {s.progress.total} done</strong>
          <span className="muted"> · you: {mine}</span>
        </span>
        {s.assigned_users.length > 0 && !s.assigned_users.includes(me) && <span className="banner warn">You are not among the assigned labelers ({s.assigned_users.join(', ')}).</span>}
      </div>
      {canWrite && <SyncPanel sessionId={sessionId} />}
      {total === 0 ? (
        <div className="card empty"><p>This session has no traces yet. Select traces on the traces page and choose <strong>Add to labeling session</strong>.</p></div>
      ) : current ? (
        <Labeler key={current.trace_id} trace={current} index={index} total={total} schemas={s.label_schemas} me={me} canWrite={canWrite} sessionId={sessionId} onMove={go} />
      ) : null}
    </section>
  );
}

function firstOpen(list: readonly SessionTrace[]): number {
  const i = list.findIndex((t) => !t.done);
  return i < 0 ? 0 : i;
}

interface LabelerProps {
  trace: SessionTrace;
  index: number;
  total: number;
  schemas: LabelSchema[];
  me: string;
  canWrite: boolean;
  sessionId: string;
  onMove(i: number): void;
}

function Labeler({ trace, index, total, schemas, me, canWrite, sessionId, onMove }: LabelerProps) {
  const client = useQueryClient();
  const [answers, setAnswers] = useState<Answers>(() => myAnswers(trace, me));
  const [touched, setTouched] = useState(false);
  const problems = answerProblems(schemas, answers);
  const set = (name: string, value: unknown) => { setTouched(true); setAnswers((a) => ({ ...a, [name]: value })); };

  const save = useMutation({
    mutationFn: async () => {
      for (const s of schemas) {
        const value = answers[s.name];
        if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
        const own = (trace.labels[s.name] ?? []).filter((l) => l.source_id === me).at(-1);
        const body = s.kind === 'feedback' ? { feedback: { value } } : { expectation: { value } };
        // A labeler changes their own label; another labeler's stays as it is.
        if (own) {
          ok(await api.PATCH('/api/v1/traces/{traceId}/assessments/{assessmentId}', { params: { path: { traceId: trace.trace_id, assessmentId: own.assessment_id } }, body }));
        } else {
          ok(await api.POST('/api/v1/traces/{traceId}/assessments', { params: { path: { traceId: trace.trace_id } }, body: { assessment_name: s.name, ...body } }));
        }
      }
    },
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: ['labeling-traces', sessionId] }),
        client.invalidateQueries({ queryKey: ['labeling-session', sessionId] }),
        client.invalidateQueries({ queryKey: ['labeling-sessions'] }),
        client.invalidateQueries({ queryKey: ['trace', trace.trace_id] }),
      ]);
      if (index < total - 1) onMove(index + 1);
    },
  });

  const blocked = Object.keys(problems).length > 0 || !canWrite;
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const target = e.target as HTMLElement;
      const typing = target.tagName === 'TEXTAREA' || (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'radio') || target.tagName === 'SELECT';
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        if (!blocked && !save.isPending) save.mutate();
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      const yesNo = schemas.find((s) => s.type === 'yes_no');
      const categorical = schemas.find((s) => s.type === 'categorical');
      if (yesNo && (e.key === 'y' || e.key === 'n')) set(yesNo.name, e.key === 'y' ? 'yes' : 'no');
      else if (categorical && /^[1-9]$/.test(e.key) && categorical.options![Number(e.key) - 1] !== undefined) set(categorical.name, categorical.options![Number(e.key) - 1]);
      else if (e.key === 'ArrowRight' || e.key === 'j') onMove(index + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'k') onMove(index - 1);
      else return;
      e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!blocked) save.mutate();
  }

  return (
    <div className="labeler">
      <TraceSide traceId={trace.trace_id} />
      <form className="card label-panel" onSubmit={submit} aria-labelledby="labels-title">
        <div className="card-head">
          <h2 id="labels-title">Trace {index + 1} of {total}</h2>
          <span className="row">
            <button type="button" onClick={() => onMove(index - 1)} disabled={index === 0} >← Prev</button>
            <button type="button" onClick={() => onMove(index + 1)} disabled={index >= total - 1} >Next →</button>
          </span>
        </div>
        <p className="muted small">{trace.done ? 'Every schema has a label.' : `Labeled: ${trace.labeled.join(', ') || 'nothing yet'}`}</p>
        <LabelForm schemas={schemas} answers={answers} problems={touched ? problems : {}} others={trace.labels} me={me} onChange={set} />
        {save.error && <p className="field-error" role="alert">{save.error instanceof ApiError ? save.error.message : String(save.error)}</p>}
        <div className="actions">
          <span className="muted small shortcuts">Keys: <kbd>y</kbd>/<kbd>n</kbd> yes/no · <kbd>1</kbd>–<kbd>9</kbd> category · <kbd>Ctrl</kbd>+<kbd>Enter</kbd> save and next · <kbd>←</kbd>/<kbd>→</kbd> move</span>
          <button type="submit" className="primary" disabled={blocked || save.isPending}>{save.isPending ? 'Saving…' : 'Save and next'}</button>
        </div>
      </form>
    </div>
  );
}

function TraceSide({ traceId }: { traceId: string }) {
  const trace = useTrace(traceId);
  if (trace.isPending) return <div className="card"><p className="muted" role="status">Loading trace…</p></div>;
  if (trace.error) return <div className="card"><p className="field-error" role="alert">{trace.error.message}</p></div>;
  const spans = trace.data.data.spans;
  const root = spans.find((s) => !s.parent_span_id) ?? spans[0];
  const retrievers = spans.filter((s) => s.span_type === 'RETRIEVER');
  return (
    <div className="card trace-side">
      <div className="card-head">
        <h2>Request</h2>
        <Link to="/traces/$traceId" params={{ traceId }} search={(prev) => ({ exp: (prev as LabelerSearch).exp })} className="mono small">{traceId}</Link>
      </div>
      {root ? <Value value={root.inputs} spanType={null} /> : <p className="muted">{trace.data.info.request_preview}</p>}
      <h2>Response</h2>
      {root ? <Value value={root.outputs} spanType={null} /> : <p className="muted">{trace.data.info.response_preview}</p>}
      {retrievers.map((r) => (
        <div key={r.span_id}>
          <h2>Retrieved by {r.name}</h2>
          <Value value={r.outputs} spanType="RETRIEVER" />
        </div>
      ))}
    </div>
  );
}
