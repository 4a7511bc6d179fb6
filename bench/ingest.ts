/**
 * Ingest throughput: traces/s through the REST route (MLflow JSON batches) and the OTLP route
 * (protobuf, plain and gzip-compressed as collectors send it by default), each beside a raw
 * multi-row INSERT of the rows that route writes, into the same
 * tables, measured in the same run on a fresh Postgres database. Tables are emptied before each phase so every phase
 * writes into the same state.
 *
 * Alone: `npx tsx bench/ingest.ts`; with the others: `npm run bench -- ingest`.
 * BENCH_INGEST_TRACES sets the number of traces per phase (default 20000),
 * BENCH_INGEST_CONCURRENCY the requests (and baseline transactions) in flight (default 1).
 */
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { decodeOtlpRequest } from '../src/api/otlp-decode.ts';
import { parseMlflowPayload } from '../src/domain/mlflow-trace.ts';
import { mapOtlpSpans } from '../src/domain/otlp-mapping.ts';
import { summarizeTrace } from '../src/domain/trace-summary.ts';
import type { IncomingTrace } from '../src/domain/trace.ts';
import { startTestApp, type TestApp } from '../test/support/app.ts';
import { chunk, makeTraces, otlpProtobuf, restBody, SPANS_PER_TRACE } from './ingest-data.ts';
import { round, type BenchResult } from './result.ts';

const TRACES_PER_REQUEST = 100;
const AIM = '>= 0.7';
const ROUNDS = 4;
/** Requests (and baseline transactions) in flight at once: clients send concurrently. */
const CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 1);

export async function run(): Promise<BenchResult[]> {
  const count = Number(process.env.BENCH_INGEST_TRACES ?? 20_000);
  const t = await startTestApp({ db: 'postgres' });
  const raw = new pg.Pool({ connectionString: t.database.url, max: CONCURRENCY });
  try {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'bench' } });
    const experimentId = Number(created.json<{ experiment_id: string }>().experiment_id);
    const batches = chunk(makeTraces(count), TRACES_PER_REQUEST);
    // Everything a client would have ready before sending is built outside the timings.
    const restBodies = batches.map(restBody);
    const otlpBodies = batches.map(otlpProtobuf);
    const gzipBodies = otlpBodies.map((b) => gzipSync(b));
    // Each route's baseline inserts the rows that route writes: OTLP spans keep their attributes.
    const rawRest = batches.map((b) => rawRows(parseMlflowPayload(JSON.parse(restBody(b))), experimentId));
    const rawOtlp = otlpBodies.map((b) =>
      rawRows(mapOtlpSpans(decodeOtlpRequest(Buffer.from(b), 'application/x-protobuf')), experimentId),
    );

    const phases = {
      rawRest: (from: number, to: number) => insertRaw(raw, rawRest.slice(from, to)),
      rawOtlp: (from: number, to: number) => insertRaw(raw, rawOtlp.slice(from, to)),
      rest: (from: number, to: number) =>
        send(t, restBodies.slice(from, to), (body) => ({ url: `/api/v1/experiments/${experimentId}/traces`, body, type: 'application/json' })),
      otlp: (from: number, to: number) =>
        send(t, otlpBodies.slice(from, to), (body) => ({ url: '/v1/traces', body: Buffer.from(body), type: 'application/x-protobuf', experimentId })),
      otlpGzip: (from: number, to: number) =>
        send(t, gzipBodies.slice(from, to), (body) => ({ url: '/v1/traces', body, type: 'application/x-protobuf', encoding: 'gzip', experimentId })),
    };
    // Warm every path (JIT, plan cache, connections) on a small slice first.
    for (const phase of Object.values(phases)) {
      await sql`truncate assay.trace, assay.span, assay.assessment, assay.trace_key`.execute(t.ctx.db);
      await phase(0, 3);
    }

    const seconds: Record<keyof typeof phases, number> = { rawRest: 0, rest: 0, rawOtlp: 0, otlp: 0, otlpGzip: 0 };
    // The work is cut into rounds and the phases take turns within each, so a machine that gets
    // busier mid-run (it is shared) slows every phase alike instead of whichever ran then.
    const order = ['rawRest', 'rest', 'rawOtlp', 'otlp', 'otlpGzip'] as const;
    const perRound = Math.ceil(batches.length / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      const slice = [round * perRound, (round + 1) * perRound] as const;
      for (let k = 0; k < order.length; k++) {
        const phase = order[(round + k) % order.length]!;
        await sql`truncate assay.trace, assay.span, assay.assessment, assay.trace_key`.execute(t.ctx.db);
        const started = performance.now();
        await phases[phase](...slice);
        seconds[phase] += (performance.now() - started) / 1000;
      }
    }
    const rate = (s: number) => count / s;
    const params = { traces: count, spans_per_trace: SPANS_PER_TRACE, traces_per_request: TRACES_PER_REQUEST, rounds: ROUNDS, concurrency: CONCURRENCY };
    const baselineOf = { rest: seconds.rawRest, otlp: seconds.rawOtlp, otlpGzip: seconds.rawOtlp };
    const names = { rest: 'ingest.rest', otlp: 'ingest.otlp', otlpGzip: 'ingest.otlp_gzip' };
    const encodings = { rest: 'mlflow-json', otlp: 'otlp-protobuf', otlpGzip: 'otlp-protobuf+gzip' };
    return (['rest', 'otlp', 'otlpGzip'] as const).map((phase) => ({
      name: names[phase],
      value: Math.round(rate(seconds[phase])),
      unit: 'traces/s',
      baseline: Math.round(rate(baselineOf[phase])),
      ratio: round(rate(seconds[phase]) / rate(baselineOf[phase])),
      aim: AIM,
      params: { ...params, encoding: encodings[phase] },
    }));
  } finally {
    await raw.end();
    await t.close();
  }
}

interface Request {
  url: string;
  body: string | Buffer;
  type: string;
  encoding?: string;
  experimentId?: number;
}

/** Runs `work` over `items` with at most CONCURRENCY in flight, as that many clients would. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function send<B>(t: TestApp, bodies: readonly B[], request: (body: B) => Request): Promise<void> {
  await inParallel(bodies, async (body) => {
    const r = request(body);
    const res = await t.app.inject({
      method: 'POST',
      url: r.url,
      payload: r.body,
      headers: {
        'content-type': r.type,
        ...(r.encoding ? { 'content-encoding': r.encoding } : {}),
        ...(r.experimentId ? { 'x-assay-experiment-id': String(r.experimentId) } : {}),
      },
    });
    if (res.statusCode !== 200) throw new Error(`${r.url} answered ${res.statusCode}: ${res.body}`);
  });
}

interface RawBatch {
  traces: unknown[][];
  spans: unknown[][];
}

const TRACE_COLUMNS = [
  'trace_id', 'experiment_id', 'client_request_id', 'request_time', 'execution_duration_ms', 'state',
  'request_preview', 'response_preview', 'request', 'response', 'trace_metadata', 'tags',
  'input_tokens', 'output_tokens', 'total_tokens', 'cost',
];
const SPAN_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'name', 'span_type', 'status_code', 'status_message',
  'start_time_ns', 'end_time_ns', 'inputs', 'outputs', 'attributes', 'events',
];

/** The rows ingest writes for a batch, computed with the same parser and summary, ready to insert. */
function rawRows(incoming: readonly IncomingTrace[], experimentId: number): RawBatch {
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  return {
    traces: incoming.map((t) => {
      const s = summarizeTrace(t.spans, t.info);
      return [
        t.trace_id, experimentId, t.info?.client_request_id ?? null, s.request_time, s.execution_duration_ms, s.state,
        s.request_preview, s.response_preview, json(s.request), json(s.response), json(t.info?.trace_metadata ?? {}),
        json(t.info?.tags ?? {}), s.input_tokens, s.output_tokens, s.total_tokens, s.cost,
      ];
    }),
    spans: incoming.flatMap((t) =>
      t.spans.map((s) => [
        s.trace_id, s.span_id, s.parent_span_id, s.name, s.span_type, s.status_code, s.status_message,
        s.start_time_ns.toString(), s.end_time_ns?.toString() ?? null, json(s.inputs), json(s.outputs),
        json(s.attributes), json(s.events),
      ]),
    ),
  };
}

/** The baseline: per batch, one transaction with one multi-row INSERT per table. */
async function insertRaw(pool: pg.Pool, batches: readonly RawBatch[]): Promise<void> {
  await inParallel(batches, async (batch) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      // The trace's partition key, as ingest records it (class 0, first arrival now()).
      await client.query('insert into assay.trace_key (trace_id, retention_class, created_at) select unnest($1::text[]), 0, now()', [batch.traces.map((t) => t[0])]);
      await client.query(insertText('assay.trace', TRACE_COLUMNS, batch.traces.length), batch.traces.flat());
      await client.query(insertText('assay.span', SPAN_COLUMNS, batch.spans.length, ['trace_created_at', 'now()']), batch.spans.flat());
      await client.query('commit');
    } finally {
      client.release();
    }
  });
}

/** A multi-row INSERT with one parameter per value, and optionally one more column set to an SQL expression. */
function insertText(table: string, columns: readonly string[], rows: number, extra?: [string, string]): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${[...columns.map((_, c) => `$${r * columns.length + c + 1}`), ...(extra ? [extra[1]] : [])].join(', ')})`);
  return `insert into ${table} (${[...columns, ...(extra ? [extra[0]] : [])].join(', ')}) values ${tuples.join(', ')}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await run();
  console.table(results.map(({ params: _params, ...r }) => r));
  process.exit(0);
}
