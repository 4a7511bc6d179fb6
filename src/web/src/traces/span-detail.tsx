/** One span: type, status, duration, tokens; inputs and outputs as chat, documents or JSON; attributes and events. */
import { useState } from 'react';
import { JsonView } from '../components/json-view';
import { chatMessages, retrievedDocuments, type ChatMessage } from '../lib/chat';
import { formatDuration, formatNumber } from '../lib/feedback';
import { spanTypeLabel } from '../lib/span-type';
import type { SpanRow } from '../lib/span-tree';
import type { Span } from './trace-page';

function tokensOf(span: Span): string | null {
  let usage = span.attributes['mlflow.chat.tokenUsage'];
  if (typeof usage === 'string') {
    try { usage = JSON.parse(usage); } catch { return null; }
  }
  if (usage && typeof usage === 'object' && 'total_tokens' in usage) {
    const u = usage as { input_tokens?: number; output_tokens?: number; total_tokens?: number };
    return `${u.total_tokens ?? '?'} (${u.input_tokens ?? '?'} in, ${u.output_tokens ?? '?'} out)`;
  }
  return null;
}

function Chat({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="chat">
      {messages.map((m, i) => (
        <li key={i} className={`msg msg-${m.role}`}>
          <span className="role">{m.role}</span>
          {m.content && <p className="content">{m.content}</p>}
          {m.toolCalls.map((c, j) => (
            <div key={j} className="tool-call"><span className="mono">{c.name}</span>(<code>{c.arguments}</code>)</div>
          ))}
        </li>
      ))}
    </ol>
  );
}

export function Value({ value, spanType }: { value: unknown; spanType: string | null }) {
  const chat = chatMessages(value);
  if (chat) return <Chat messages={chat} />;
  const docs = spanType === 'RETRIEVER' ? retrievedDocuments(value) : null;
  if (docs) {
    return (
      <ol className="documents" aria-label="Retrieved documents">
        {docs.map((d, i) => (
          <li key={i} className="document">
            <div className="doc-head">
              <span className="mono">{d.docUri ?? `document ${i + 1}`}</span>
              {d.score !== null && <span className="muted">score {formatNumber(d.score)}</span>}
            </div>
            <p>{d.content}</p>
          </li>
        ))}
      </ol>
    );
  }
  return <JsonView value={value} expanded />;
}

export function SpanDetail({ row }: { row: SpanRow<Span> }) {
  const [raw, setRaw] = useState(false);
  const span = row.span;
  const status = span.status.code.replace('STATUS_CODE_', '');
  const tokens = tokensOf(span);
  const attributes = Object.fromEntries(Object.entries(span.attributes).filter(([k]) => k !== 'mlflow.spanInputs' && k !== 'mlflow.spanOutputs'));
  return (
    <section className="span-detail" aria-labelledby="span-title">
      <div className="span-head">
        <h2 id="span-title">{span.name}</h2>
        <label className="toggle"><input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} /> Raw JSON</label>
      </div>
      <dl className="facts">
        <div><dt>Type</dt><dd title={span.span_type ?? undefined}>{spanTypeLabel(span.span_type)}</dd></div>
        <div><dt>Status</dt><dd className={`state state-${status}`}>{status}{span.status.message ? `: ${span.status.message}` : ''}</dd></div>
        <div><dt>Duration</dt><dd>{formatDuration(row.durationMs)}</dd></div>
        <div><dt>Starts at</dt><dd>+{formatDuration(row.startMs)}</dd></div>
        {tokens && <div><dt>Tokens</dt><dd>{tokens}</dd></div>}
      </dl>
      {raw ? (
        <JsonView value={span} expanded />
      ) : (
        <>
          <h3>Inputs</h3>
          <Value value={span.inputs} spanType={null} />
          <h3>Outputs</h3>
          <Value value={span.outputs} spanType={span.span_type} />
          <h3>Attributes</h3>
          {Object.keys(attributes).length === 0 ? <p className="muted">None</p> : (
            <table className="kv">
              <tbody>
                {Object.entries(attributes).map(([k, v]) => (
                  <tr key={k}><th scope="row" className="mono">{k}</th><td>{typeof v === 'string' ? v : <JsonView value={v} />}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Events</h3>
          {span.events.length === 0 ? <p className="muted">None</p> : <JsonView value={span.events} expanded />}
        </>
      )}
    </section>
  );
}
