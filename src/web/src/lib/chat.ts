/** Recognises chat messages and retrieved documents in span inputs and outputs, so they render as such. */
export interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: string;
  content: string;
  toolCalls: ToolCall[];
}

export interface RetrievedDocument {
  content: string;
  docUri: string | null;
  score: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isObj(part) && typeof part.text === 'string' ? part.text : typeof part === 'string' ? part : JSON.stringify(part))).join('\n');
  }
  if (content === null || content === undefined) return '';
  return JSON.stringify(content);
}

function toMessage(v: unknown): ChatMessage | null {
  if (!isObj(v) || typeof v.role !== 'string') return null;
  const calls = Array.isArray(v.tool_calls) ? v.tool_calls : [];
  return {
    role: v.role,
    content: contentText(v.content),
    toolCalls: calls.filter(isObj).map((c) => {
      const fn = isObj(c.function) ? c.function : c;
      return {
        ...(typeof c.id === 'string' ? { id: c.id } : {}),
        name: String(fn.name ?? 'tool'),
        arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
      };
    }),
  };
}

/** Chat messages in a span's inputs or outputs (OpenAI-style), or null when it is not a chat. */
export function chatMessages(value: unknown): ChatMessage[] | null {
  let list: unknown = null;
  if (Array.isArray(value)) list = value;
  else if (isObj(value)) {
    if (Array.isArray(value.messages)) list = value.messages;
    else if (Array.isArray(value.choices)) list = value.choices.map((c) => (isObj(c) ? c.message : null));
    else if (isObj(value.message)) list = [value.message];
  }
  if (!Array.isArray(list) || list.length === 0) return null;
  const messages = list.map(toMessage);
  return messages.every((m) => m !== null) ? (messages as ChatMessage[]) : null;
}

/** Documents a RETRIEVER span returned (MLflow's {page_content, metadata.doc_uri} or {content, doc_uri}). */
export function retrievedDocuments(value: unknown): RetrievedDocument[] | null {
  const list = Array.isArray(value) ? value : isObj(value) && Array.isArray(value.documents) ? value.documents : null;
  if (!list || list.length === 0) return null;
  const docs: RetrievedDocument[] = [];
  for (const d of list) {
    if (!isObj(d)) return null;
    const meta = isObj(d.metadata) ? d.metadata : {};
    const content = d.page_content ?? d.content ?? d.text;
    if (content === undefined) return null;
    const uri = meta.doc_uri ?? d.doc_uri ?? meta.source ?? null;
    const score = meta.score ?? d.score ?? null;
    docs.push({ content: contentText(content), docUri: uri === null ? null : String(uri), score: typeof score === 'number' ? score : null });
  }
  return docs;
}
