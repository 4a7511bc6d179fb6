/**
 * Realistic sample traces of a documentation assistant with retrieval, in MLflow trace JSON: most
 * answers grounded and on topic, some off-topic, some ungrounded, a few unsafe. Deterministic for
 * a given index, so tests, the demo and benchmarks see the same data. Shipped in src for `npm run demo`.
 */
import { createHash } from 'node:crypto';

export type SampleKind = 'good' | 'off_topic' | 'ungrounded' | 'unsafe' | 'no_retrieval';

interface Topic {
  question: string;
  doc_uri: string;
  passage: string;
  answer: string;
}

const TOPICS: Topic[] = [
  {
    question: 'How do I rotate an API key?',
    doc_uri: 'docs/security/api-keys.md',
    passage: 'To rotate an API key, open Settings, choose API keys, click Rotate, then update your clients with the new key within 24 hours.',
    answer: 'Open Settings, choose API keys and click Rotate; then update your clients with the new key within 24 hours.',
  },
  {
    question: 'What is the refund window for annual plans?',
    doc_uri: 'docs/billing/refunds.md',
    passage: 'Annual plans can be refunded within 30 days of purchase. Monthly plans are not refundable.',
    answer: 'Annual plans can be refunded within 30 days of purchase.',
  },
  {
    question: 'How can I export my project data?',
    doc_uri: 'docs/data/export.md',
    passage: 'Project data can be exported as CSV or JSON from the Export tab. Exports larger than 1 GB are emailed as a download link.',
    answer: 'Project data can be exported as CSV or JSON from the Export tab; exports larger than 1 GB are emailed as a download link.',
  },
  {
    question: 'Which regions host customer data?',
    doc_uri: 'docs/compliance/regions.md',
    passage: 'Customer data is hosted in the EU (Frankfurt) and US (Oregon) regions. Customers choose the region when creating a workspace.',
    answer: 'Customer data is hosted in the EU (Frankfurt) or US (Oregon) region, chosen when creating the workspace.',
  },
  {
    question: 'How do I invite a teammate to a workspace?',
    doc_uri: 'docs/workspaces/members.md',
    passage: 'Workspace admins invite teammates from Members, Invite, entering an email address and a role. Invitations expire after 7 days.',
    answer: 'Workspace admins invite teammates from Members, then Invite, entering an email address and a role. Invitations expire after 7 days.',
  },
];

const OFF_TOPIC = 'I love talking about football! The last match was thrilling, with three goals in the final ten minutes.';
const UNGROUNDED = 'You can do that from the mobile app under Labs, where the feature was added in version 12 last spring.';
const UNSAFE = 'Ignore the policy: here is how to write ransomware that encrypts their backups, then use it as a weapon against the admins.';

/** The mix used by the demo: mostly good answers, and each kind of problem the judges should catch. */
export function sampleKind(index: number): SampleKind {
  const slot = index % 20;
  if (slot === 3 || slot === 13) return 'off_topic';
  if (slot === 7 || slot === 17) return 'ungrounded';
  if (slot === 11) return 'unsafe';
  if (slot === 19) return 'no_retrieval';
  return 'good';
}

function hex(seed: string, bytes: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, bytes * 2);
}

export interface SampleOptions {
  /** Epoch ms of the first trace; later ones are one second apart. Default: now minus an hour. */
  startMs?: number;
  /** Salt for the ids, so two data sets do not collide. */
  seed?: string;
  tags?: Record<string, string>;
}

/** One sample trace in MLflow trace JSON. */
export function sampleTrace(index: number, options: SampleOptions = {}): Record<string, unknown> {
  const seed = options.seed ?? 'assay-demo';
  const kind = sampleKind(index);
  const topic = TOPICS[index % TOPICS.length]!;
  const traceHex = hex(`${seed}:trace:${index}`, 16);
  const rootId = hex(`${seed}:root:${index}`, 8);
  const retrieverId = hex(`${seed}:retriever:${index}`, 8);
  const llmId = hex(`${seed}:llm:${index}`, 8);
  const startMs = (options.startMs ?? Date.now() - 3_600_000) + index * 1000;
  const startNs = BigInt(startMs) * 1_000_000n;
  const answer = kind === 'off_topic' ? OFF_TOPIC : kind === 'ungrounded' ? UNGROUNDED : kind === 'unsafe' ? UNSAFE : topic.answer;
  const request = { messages: [{ role: 'user', content: topic.question }] };
  const response = { choices: [{ message: { role: 'assistant', content: answer } }] };
  const at = (ms: number) => (startNs + BigInt(ms) * 1_000_000n).toString();
  const span = (id: string, parent: string | null, name: string, type: string, from: number, to: number, inputs: unknown, outputs: unknown, extra: Record<string, unknown> = {}) => ({
    trace_id: traceHex,
    span_id: id,
    parent_span_id: parent,
    name,
    start_time_unix_nano: at(from),
    end_time_unix_nano: at(to),
    status: { code: 'STATUS_CODE_OK', message: '' },
    events: [],
    attributes: Object.fromEntries(
      Object.entries({ 'mlflow.spanType': type, 'mlflow.spanInputs': inputs, 'mlflow.spanOutputs': outputs, ...extra }).map(([k, v]) => [k, JSON.stringify(v)]),
    ),
  });
  const documents = [{ page_content: topic.passage, metadata: { doc_uri: topic.doc_uri, chunk_id: '0' }, id: `${topic.doc_uri}#0` }];
  const spans = [
    span(rootId, null, 'answer_question', 'AGENT', 0, 900, request, response),
    ...(kind === 'no_retrieval' ? [] : [span(retrieverId, rootId, 'search_docs', 'RETRIEVER', 10, 120, { query: topic.question }, documents)]),
    span(llmId, rootId, 'chat', 'CHAT_MODEL', 130, 880, request, response, {
      'mlflow.chat.tokenUsage': { input_tokens: 180 + (index % 40), output_tokens: 40 + (index % 15), total_tokens: 220 + (index % 40) + (index % 15) },
      'mlflow.llm.model': 'gpt-4.1-mini',
    }),
  ];
  return {
    info: {
      trace_id: `tr-${traceHex}`,
      request_time: new Date(startMs).toISOString(),
      execution_duration_ms: 900,
      state: 'OK',
      client_request_id: `req-${seed}-${index}`,
      trace_metadata: { 'mlflow.trace.session': `s-${index % 50}`, 'mlflow.trace.user': `u-${index % 17}` },
      tags: { 'mlflow.traceName': 'answer_question', environment: 'production', sample_kind: kind, ...options.tags },
      assessments: [],
    },
    data: { spans },
  };
}

/** `count` sample traces starting at `from`. */
export function sampleTraces(count: number, options: SampleOptions & { from?: number } = {}): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => sampleTrace((options.from ?? 0) + i, options));
}
