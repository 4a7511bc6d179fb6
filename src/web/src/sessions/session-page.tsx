/**
 * One session as a conversation: its turns in order (the user's message, the assistant's answer, each
 * linking to its trace), and the session-level feedback with its rationale and the turn it is attached to.
 */
import { Link, useParams, useSearch } from '@tanstack/react-router';
import { VerdictChip } from '../components/verdict-chip';
import { formatDuration } from '../lib/feedback';
import { useCan } from '../shell/session';
import type { ShellSearch } from '../router';
import { useSession, type SessionView } from './queries';
import { SessionLabel } from './session-label';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const keepShell = (prev: ShellSearch): ShellSearch => ({ exp: prev.exp, range: prev.range, from: prev.from, to: prev.to });

export function SessionPage() {
  const { sessionId } = useParams({ from: '/sessions/$sessionId' });
  const search = useSearch({ from: '/sessions/$sessionId' }) as ShellSearch;
  const session = useSession(search.exp ?? '', sessionId);
  const canWrite = useCan('writer');
  if (session.isPending) return <p className="loading" role="status">Loading session…</p>;
  if (session.error) return <p className="page-error" role="alert">{session.error.message}</p>;
  const s = session.data;
  const turnOf = new Map(s.traces.map((t, i) => [t.trace_id, i + 1]));
  return (
    <div className="session-page">
      <div className="page-head">
        <Link to="/sessions" search={keepShell as never} className="back">← Sessions</Link>
        <h1 className="mono trace-title">{s.session_id}</h1>
        <span>{s.user_id ? <>user <span className="mono">{s.user_id}</span></> : <span className="muted">no user</span>}</span>
        <span>{s.turns} turns</span>
        <span className="muted">
          <time dateTime={s.first_time}>{TIME.format(new Date(s.first_time))}</time> – <time dateTime={s.last_time}>{TIME.format(new Date(s.last_time))}</time>
        </span>
      </div>
      <div className="session-layout">
        <section aria-labelledby="conversation-title" className="card conversation">
          <h2 id="conversation-title">Conversation</h2>
          <ol className="turns">
            {s.conversation.map((turn, i) => (
              <Turn key={turn.trace_id} index={i} turn={turn} trace={s.traces[i]} sessionFeedback={s.assessments.filter((a) => a.trace_id === turn.trace_id)} />
            ))}
          </ol>
        </section>
        <aside aria-labelledby="session-feedback-title" className="card session-feedback">
          <h2 id="session-feedback-title">Session feedback <span className="muted small">({s.assessments.length})</span></h2>
          {s.assessments.length === 0 && <p className="muted">No session-level feedback yet: session judges run once the session has been idle.</p>}
          <ul className="assessment-list">
            {s.assessments.map((a) => {
              const turn = turnOf.get(a.trace_id);
              return (
                <li key={a.assessment_id} className="assessment">
                  <div className="assessment-head">
                    <strong>{a.assessment_name}</strong>
                    <VerdictChip assessment={a} />
                  </div>
                  {a.rationale && <p className="rationale">{a.rationale}</p>}
                  {a.feedback?.error && <p className="field-error">{a.feedback.error.error_code}: {a.feedback.error.error_message}</p>}
                  <p className="meta">
                    {a.source.source_type === 'LLM_JUDGE' ? 'Judge' : a.source.source_type === 'HUMAN' ? 'Person' : a.source.source_type}
                    {' · attached to '}
                    {turn ? <a href={`#turn-${turn}`}>turn {turn}</a> : 'a later turn'}
                    {' ('}
                    <Link to="/traces/$traceId" params={{ traceId: a.trace_id }} search={keepShell as never} className="mono">{a.trace_id.slice(0, 14)}</Link>
                    {') · '}<time dateTime={a.create_time}>{TIME.format(new Date(a.create_time))}</time>
                  </p>
                </li>
              );
            })}
          </ul>
          {canWrite && <SessionLabel sessionId={s.session_id} lastTraceId={s.last_trace_id} names={s.assessments.map((a) => a.assessment_name)} />}
        </aside>
      </div>
    </div>
  );
}

function Turn({ index, turn, trace, sessionFeedback }: {
  index: number;
  turn: SessionView['conversation'][number];
  trace: SessionView['traces'][number] | undefined;
  sessionFeedback: SessionView['assessments'];
}) {
  const n = index + 1;
  const sessionIds = new Set(sessionFeedback.map((a) => a.assessment_id));
  const traceFeedback = (trace?.assessments ?? []).filter((a) => a.valid && a.feedback !== undefined && !sessionIds.has(a.assessment_id));
  return (
    <li id={`turn-${n}`} className="turn" aria-labelledby={`turn-${n}-title`}>
      <div className="turn-head">
        <h3 id={`turn-${n}-title`}>Turn {n}</h3>
        <time dateTime={turn.request_time} className="muted small">{TIME.format(new Date(turn.request_time))}</time>
        {trace && <span className={`state state-${trace.state}`}>{trace.state}</span>}
        {trace && <span className="muted small">{formatDuration(trace.execution_duration_ms)}</span>}
        <Link to="/traces/$traceId" params={{ traceId: turn.trace_id }} search={keepShell as never} className="mono small">
          <span className="visually-hidden">Open the trace of turn {n}: </span>{turn.trace_id.slice(0, 14)} →
        </Link>
      </div>
      <ol className="chat">
        <li className="msg msg-user"><span className="role">User</span><p className="content">{turn.user ?? <span className="muted">(no message)</span>}</p></li>
        <li className="msg msg-assistant"><span className="role">Assistant</span><p className="content">{turn.assistant ?? <span className="muted">(no answer)</span>}</p></li>
      </ol>
      {(traceFeedback.length > 0 || sessionFeedback.length > 0) && (
        <p className="turn-feedback">
          {traceFeedback.map((a) => (
            <span key={a.assessment_id} className="named-chip"><span className="chip-name">{a.assessment_name}</span> <VerdictChip assessment={a} title={a.rationale ?? undefined} /></span>
          ))}
          {sessionFeedback.length > 0 && <span className="chip chip-session">session feedback: {[...new Set(sessionFeedback.map((a) => a.assessment_name))].join(', ')}</span>}
        </p>
      )}
    </li>
  );
}
