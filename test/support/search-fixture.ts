/**
 * A fixed set of traces for search tests, ingested through the API as MLflow JSON. Traces are named
 * by two-digit labels ('01' … '08'); `id(label)` gives the trace id and `label(id)` the reverse.
 *
 * Default order (newest first, ties by id): 07 06 05 03 04 02 01 in experiment A; 08 is in B.
 */
import type { FastifyInstance } from 'fastify';

export const BASE_TIME = 1_700_000_000_000;

export const id = (label: string) => `tr-${label.padStart(32, '0')}`;
export const label = (traceId: string) => traceId.slice(-2);

interface SpanSpec {
  name: string;
  type: string;
  status?: 'OK' | 'ERROR' | 'UNSET';
  inputs?: unknown;
  outputs?: unknown;
  attributes?: Record<string, unknown>;
  open?: boolean;
}

interface TraceSpec {
  label: string;
  experiment: 'A' | 'B';
  offset: number;
  duration?: number;
  state?: string;
  tags?: Record<string, string>;
  metadata?: Record<string, string>;
  clientRequestId?: string;
  spans: SpanSpec[];
  assessments?: Array<{ name: string; kind: 'feedback' | 'expectation'; value: unknown; valid?: boolean }>;
}

const fb = (name: string, value: unknown, valid = true) => ({ name, kind: 'feedback' as const, value, valid });
const ex = (name: string, value: unknown) => ({ name, kind: 'expectation' as const, value });

export const TRACES: TraceSpec[] = [
  {
    label: '01', experiment: 'A', offset: 1000, duration: 100,
    tags: { env: 'prod', 'mlflow.traceName': 'chat', team: 'Search', quality_score: '0.65' },
    metadata: { 'mlflow.sourceRun': 'run-1', 'mlflow.trace.session': 's1', user: 'alice', tokens: '1200' },
    clientRequestId: 'req-1',
    spans: [
      {
        name: 'chat', type: 'CHAIN', inputs: { question: 'What is MLflow?' }, outputs: { answer: 'MLflow is a platform' },
        attributes: { usage: { total_tokens: 42 }, 'llm.token_count.total': 40 },
      },
      { name: 'openai.chat', type: 'LLM', inputs: { messages: ['hello world'] }, attributes: { model: 'gpt-4o', temperature: 0.5 } },
    ],
    assessments: [fb('correctness', 'yes'), fb('score', 5), ex('expected_answer', 'MLflow is a platform'), fb('feedback_score', 0.9)],
  },
  {
    label: '02', experiment: 'A', offset: 2000, duration: 250,
    tags: { env: 'dev', 'mlflow.traceName': 'chat', quality_score: '0.9' },
    metadata: { 'mlflow.sourceRun': 'run-1', user: 'bob', tokens: '80' },
    clientRequestId: 'req-2',
    spans: [
      { name: 'chat', type: 'CHAIN', status: 'ERROR', inputs: { question: 'Weather today?' } },
      { name: 'retrieve', type: 'RETRIEVER', outputs: [{ page_content: 'Sunny 100%', metadata: { doc_uri: 'doc://w' } }] },
      { name: 'search_web', type: 'TOOL', status: 'ERROR', attributes: { model: 'none' } },
    ],
    assessments: [fb('correctness', 'no'), fb('correctness', 'yes', false), fb('is_safe', true)],
  },
  {
    label: '03', experiment: 'A', offset: 3000, duration: 50,
    tags: { env: 'prod', 'mlflow.traceName': 'summarize', 'my key': 'v 1', quality_score: 'high' },
    metadata: { 'mlflow.sourceRun': 'run-2', tokens: '1e3' },
    spans: [
      { name: 'agent', type: 'AGENT', inputs: 'Summarize this' },
      { name: 'openai.chat', type: 'LLM', status: 'ERROR', attributes: { model: 'gpt-4o-mini' } },
      { name: 'calculator', type: 'TOOL', inputs: { expression: '2+2' }, outputs: 4 },
    ],
    assessments: [fb('score', 3), fb('is_safe', false), fb('feedback_score', '0.75')],
  },
  {
    label: '04', experiment: 'A', offset: 3000,
    tags: { env: 'staging', quality_score: '1e99999' },
    spans: [{ name: 'chat', type: 'CHAIN', status: 'UNSET', open: true, inputs: { question: "it's open" } }],
  },
  {
    label: '05', experiment: 'A', offset: 5000, duration: 1000,
    tags: { env: 'Prod', 'mlflow.traceName': 'Chat', quality_score: '-.5' },
    metadata: { user: 'ALICE' },
    clientRequestId: 'REQ-5',
    spans: [{ name: 'ChatModel', type: 'CHAT_MODEL', inputs: 'Hello World', outputs: 'Hi!', attributes: { model: 'GPT-4O' } }],
    assessments: [fb('correctness', 'Yes'), ex('expected_answer', 'x'), fb('feedback_score', 'n/a')],
  },
  { label: '06', experiment: 'A', offset: 6000, duration: 0, state: 'STATE_UNSPECIFIED', spans: [] },
  {
    label: '07', experiment: 'A', offset: 7000, duration: 300,
    tags: { env: 'prod', 'mlflow.traceName': 'chat', quote: "it's", quality_score: '0.7' },
    metadata: { 'mlflow.sourceRun': 'run-2', user: 'carol' },
    clientRequestId: 'req-7',
    spans: [
      { name: 'chat', type: 'CHAIN', status: 'ERROR', inputs: { question: 'naïve café ☕?' } },
      { name: 'anthropic.messages', type: 'LLM', status: 'ERROR', attributes: { model: 'claude' } },
    ],
    assessments: [fb('correctness', 'no'), fb('score', 4.5), ex('expected_answer', 'yes'), fb('feedback_score', true)],
  },
  {
    label: '08', experiment: 'B', offset: 4000, duration: 10,
    tags: { env: 'prod' },
    spans: [{ name: 'tool', type: 'TOOL' }],
  },
];

/** MLflow trace JSON for one spec. */
export function mlflowTrace(spec: TraceSpec): Record<string, unknown> {
  const start = BigInt(BASE_TIME + spec.offset) * 1_000_000n;
  const end = start + BigInt(spec.duration ?? 0) * 1_000_000n;
  const spans = spec.spans.map((s, i) => {
    const attributes: Record<string, string> = { 'mlflow.spanType': JSON.stringify(s.type) };
    if (s.inputs !== undefined) attributes['mlflow.spanInputs'] = JSON.stringify(s.inputs);
    if (s.outputs !== undefined) attributes['mlflow.spanOutputs'] = JSON.stringify(s.outputs);
    for (const [k, v] of Object.entries(s.attributes ?? {})) attributes[k] = JSON.stringify(v);
    return {
      span_id: (i + 1).toString(16).padStart(16, '0'),
      parent_span_id: i === 0 ? null : '0000000000000001',
      name: s.name,
      start_time_unix_nano: (start + BigInt(i)).toString(),
      end_time_unix_nano: s.open ? null : end.toString(),
      status: { code: `STATUS_CODE_${s.status ?? 'OK'}`, message: '' },
      attributes,
    };
  });
  return {
    info: {
      trace_id: id(spec.label),
      request_time: new Date(BASE_TIME + spec.offset).toISOString(),
      ...(spec.duration !== undefined ? { execution_duration_ms: spec.duration } : {}),
      ...(spec.state ? { state: spec.state } : {}),
      ...(spec.clientRequestId ? { client_request_id: spec.clientRequestId } : {}),
      tags: spec.tags ?? {},
      trace_metadata: spec.metadata ?? {},
      assessments: (spec.assessments ?? []).map((a) => ({
        assessment_name: a.name,
        source: { source_type: 'HUMAN', source_id: 'tester' },
        ...(a.kind === 'feedback' ? { feedback: { value: a.value } } : { expectation: { value: a.value } }),
        valid: a.valid ?? true,
      })),
    },
    data: { spans },
  };
}

/** Creates experiments A and B and ingests every fixture trace; returns their experiment ids. */
export async function loadSearchFixture(app: FastifyInstance): Promise<{ A: string; B: string }> {
  const ids: Record<string, string> = {};
  for (const name of ['A', 'B'] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: `search-${name}` } });
    ids[name] = (res.json() as { experiment_id: string }).experiment_id;
  }
  for (const name of ['A', 'B'] as const) {
    const traces = TRACES.filter((t) => t.experiment === name).map(mlflowTrace);
    const res = await app.inject({ method: 'POST', url: `/api/v1/experiments/${ids[name]}/traces`, payload: { traces } });
    if (res.statusCode !== 200) throw new Error(`fixture ingest failed: ${res.body}`);
  }
  return { A: ids.A!, B: ids.B! };
}
