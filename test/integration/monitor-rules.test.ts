/**
 * The rules that decide what a monitoring run judges, on real Postgres and on both queues: the
 * coordinated sample (hand-computed sets), complete traces only, one feedback per retrieved chunk,
 * the monitor's and each scorer's filter, a new monitor's cursor, and error feedback when the judge
 * fails. Expected values are written out here; nothing is computed with the code under test.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, newExperiment, startMonitorRun, waitUntilBeforeNewMonitors } from '../support/monitor.ts';
import { mlflowTrace, newTraceHex, type MlflowSpanSpec } from '../support/trace-payloads.ts';

/** A RAG trace: AGENT root (open when `complete` is false), a RETRIEVER with `chunks` documents, a chat span. */
function ragTrace(hex: string, options: { complete?: boolean; chunks?: number; tags?: Record<string, string> } = {}) {
  const question = 'What is the refund window for annual plans?';
  const answer = 'Annual plans can be refunded within 30 days.';
  const documents = Array.from({ length: options.chunks ?? 1 }, (_, i) => ({
    page_content: `Passage ${i}: annual plans can be refunded within 30 days of purchase.`,
    metadata: { doc_uri: `kb/refunds-${i}.md`, chunk_id: String(i) },
    id: `d${i}`,
  }));
  const spans: MlflowSpanSpec[] = [
    {
      id: 1,
      name: 'answer_question',
      type: 'AGENT',
      inputs: { messages: [{ role: 'user', content: question }] },
      outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
      endMs: options.complete === false ? null : 900,
    },
    { id: 2, parent: 1, name: 'retrieve', type: 'RETRIEVER', inputs: { query: question }, outputs: documents, startMs: 10, endMs: 60 },
    {
      id: 3,
      parent: 1,
      name: 'chat',
      type: 'CHAT_MODEL',
      inputs: { messages: [{ role: 'user', content: question }] },
      outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
      startMs: 70,
      endMs: 800,
    },
  ];
  return mlflowTrace(hex, spans, {
    state: options.complete === false ? 'IN_PROGRESS' : 'OK',
    tags: { 'mlflow.traceName': 'answer_question', ...options.tags },
  });
}

/** The last hex digit names the trace: tr-000…001 … tr-000…00c. */
const fixedHex = (n: number) => n.toString(16).padStart(32, '0');

describe.each(['in-process', 'bullmq'] as const)('monitoring rules on the %s queue', (queue) => {
  let t: TestApp;
  let judge: FakeJudge;
  let sql: pg.Client;
  let admin: Record<string, string>;

  beforeAll(async () => {
    judge = await startFakeJudge();
    t = await startTestApp({
      queue,
      env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'judge-key', ASSAY_JUDGE_MAX_ATTEMPTS: '1' },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 4 });
    admin = await t.tokenHeaders('admin');
    sql = new pg.Client({ connectionString: t.database.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
    await judge?.close();
  });

  const monitor = (experimentId: string, body: Record<string, unknown>) => configureMonitor(t, experimentId, { results_schema: 'rules', ...body }, admin);

  async function ingest(experimentId: string, traces: Array<Record<string, unknown>>) {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, headers: admin, payload: { traces } });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Trace ids with a feedback of this name in the experiment, sorted. */
  async function judged(experimentId: string, name: string): Promise<string[]> {
    const { rows } = await sql.query(
      `select distinct a.trace_id from assay.assessment a join assay.trace t using (trace_id)
        where t.experiment_id = $1 and a.kind = 'feedback' and a.name = $2 order by 1`,
      [Number(experimentId), name],
    );
    return rows.map((r: { trace_id: string }) => r.trace_id);
  }

  async function copied(experimentId: string): Promise<string[]> {
    const { rows } = await sql.query(`select trace_id from rules.trace_logs_${experimentId} order by 1`);
    return rows.map((r: { trace_id: string }) => r.trace_id);
  }

  it('judges exactly the hand-computed sample of each scorer (u < rate)', async () => {
    const id = await newExperiment(t.ctx);
    // u of tr-…1 … tr-…c: .691 .939 .851 .771 .022 .371 .179 .355 .221 .354 .733 .727
    await monitor(id, { scorers: [{ name: 'safety', sample_rate: 0.5 }, { name: 'relevance_to_query', sample_rate: 0.25 }] });
    await ingest(id, Array.from({ length: 12 }, (_, i) => ragTrace(fixedHex(i + 1))));
    const before = judge.calls.length;
    await startMonitorRun(t, admin, id);
    const ids = (digits: string) => [...digits].map((d) => `tr-${fixedHex(parseInt(d, 16))}`);
    expect(await judged(id, 'safety')).toEqual(ids('56789a'));
    expect(await judged(id, 'relevance_to_query')).toEqual(ids('579'));
    expect(judge.calls.length - before).toBe(9);
    expect(await copied(id)).toHaveLength(12);
  });

  it("uses the monitor's sample for scorers without their own rate", async () => {
    const id = await newExperiment(t.ctx);
    // u of tr-…d … tr-…18: .569 .691 .715 .652 .106 .708 .515 .813 .021 .817 .348 .001
    await monitor(id, { sample: 0.35, scorers: [{ name: 'safety' }, { name: 'relevance_to_query', sample_rate: 0.6 }] });
    await ingest(id, Array.from({ length: 12 }, (_, i) => ragTrace(fixedHex(i + 13))));
    await startMonitorRun(t, admin, id);
    const ids = (...numbers: number[]) => numbers.map((n) => `tr-${fixedHex(n)}`).sort();
    expect(await judged(id, 'safety')).toEqual(ids(0x11, 0x15, 0x17, 0x18));
    expect(await judged(id, 'relevance_to_query')).toEqual(ids(0xd, 0x11, 0x13, 0x15, 0x17, 0x18));
  });

  it('judges a partial trace only once it is complete', async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id, { scorers: [{ name: 'safety', sample_rate: 1 }] });
    const [open, done] = [newTraceHex(), newTraceHex()];
    await ingest(id, [ragTrace(open, { complete: false }), ragTrace(done)]);
    const { rows } = await sql.query(`select state from assay.trace where trace_id = $1`, [`tr-${open}`]);
    expect(rows).toEqual([{ state: 'IN_PROGRESS' }]);

    await startMonitorRun(t, admin, id);
    expect(await judged(id, 'safety')).toEqual([`tr-${done}`]);
    expect(await copied(id)).toEqual([`tr-${done}`]);

    await ingest(id, [ragTrace(open)]);
    await startMonitorRun(t, admin, id);
    expect(await judged(id, 'safety')).toEqual([`tr-${open}`, `tr-${done}`].sort());
    expect(await copied(id)).toEqual([`tr-${open}`, `tr-${done}`].sort());
    const { rows: feedback } = await sql.query(`select count(*)::int as n, count(error)::int as errors from assay.assessment where trace_id = $1`, [`tr-${open}`]);
    expect(feedback).toEqual([{ n: 1, errors: 0 }]);
  });

  it('keeps one feedback per retrieved chunk of a multi-feedback scorer, and a precision', async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id, { scorers: [{ name: 'retrieval_relevance', sample_rate: 1 }] });
    const hex = newTraceHex();
    judge.setAnswer('retrieval_relevance', (call) =>
      call.user.includes('Passage 1:') ? { rationale: 'off topic', result: 'no' } : { rationale: 'on topic', result: 'yes' },
    );
    try {
      await ingest(id, [ragTrace(hex, { chunks: 3 })]);
      await startMonitorRun(t, admin, id);
    } finally {
      judge.setAnswer('retrieval_relevance', { rationale: 'fake judge', result: 'yes' });
    }
    const { rows } = await sql.query(
      `select name, value, idempotency_key as key, metadata->>'assay.retrieval.chunk_index' as chunk
         from assay.assessment where trace_id = $1 order by idempotency_key`,
      [`tr-${hex}`],
    );
    const key = `monitor:${id}:retrieval_relevance:tr-${hex}`;
    expect(rows).toEqual([
      { name: 'retrieval_relevance', value: 'yes', key, chunk: '0' },
      { name: 'retrieval_relevance', value: 'no', key: `${key}#1`, chunk: '1' },
      { name: 'retrieval_relevance', value: 'yes', key: `${key}#2`, chunk: '2' },
      { name: 'retrieval_relevance/precision', value: 2 / 3, key: `${key}#3`, chunk: null },
    ]);
  });

  it("judges only traces that match the monitor's filter and each scorer's own", async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id, {
      filter_string: "tags.env = 'prod'",
      scorers: [
        { name: 'safety', sample_rate: 1 },
        { name: 'relevance_to_query', sample_rate: 1, filter_string: "tags.tier = 'gold'" },
      ],
    });
    const [prodGold, prodSilver, devGold, bare] = [newTraceHex(), newTraceHex(), newTraceHex(), newTraceHex()];
    await ingest(id, [
      ragTrace(prodGold, { tags: { env: 'prod', tier: 'gold' } }),
      ragTrace(prodSilver, { tags: { env: 'prod', tier: 'silver' } }),
      ragTrace(devGold, { tags: { env: 'dev', tier: 'gold' } }),
      ragTrace(bare),
    ]);
    const before = judge.calls.length;
    await startMonitorRun(t, admin, id);
    expect(await judged(id, 'safety')).toEqual([`tr-${prodGold}`, `tr-${prodSilver}`].sort());
    expect(await judged(id, 'relevance_to_query')).toEqual([`tr-${prodGold}`]);
    // No judge cost outside the filters; every trace is still copied.
    expect(judge.calls.length - before).toBe(3);
    expect(await copied(id)).toHaveLength(4);
  });

  it('starts a new monitor at its creation: older traces are neither judged nor copied', async () => {
    const id = await newExperiment(t.ctx);
    const older = [newTraceHex(), newTraceHex()];
    await ingest(id, older.map((hex) => ragTrace(hex)));
    await waitUntilBeforeNewMonitors(t.ctx, id);
    await monitor(id, { scorers: [{ name: 'safety', sample_rate: 1 }] });
    const newer = [newTraceHex(), newTraceHex()];
    await ingest(id, newer.map((hex) => ragTrace(hex)));
    const before = judge.calls.length;
    await startMonitorRun(t, admin, id);
    const expected = newer.map((hex) => `tr-${hex}`).sort();
    expect(await copied(id)).toEqual(expected);
    expect(await judged(id, 'safety')).toEqual(expected);
    expect(judge.calls.length - before).toBe(2);
  });

  it('stores an error feedback for each failed judge call and finishes the run', async () => {
    const id = await newExperiment(t.ctx);
    await monitor(id, { scorers: [{ name: 'safety', sample_rate: 1 }] });
    const hexes = [newTraceHex(), newTraceHex(), newTraceHex()];
    judge.setBehaviour({ type: 'unauthorized' });
    let runId: string;
    try {
      await ingest(id, hexes.map((hex) => ragTrace(hex)));
      runId = await startMonitorRun(t, admin, id);
    } finally {
      judge.setBehaviour({ type: 'answer' });
    }
    const { rows } = await sql.query(
      `select trace_id, value, error->>'error_code' as code from assay.assessment a join assay.trace t using (trace_id)
        where t.experiment_id = $1 and a.name = 'safety' order by trace_id`,
      [Number(id)],
    );
    expect(rows).toEqual(hexes.map((hex) => `tr-${hex}`).sort().map((trace_id) => ({ trace_id, value: null, code: 'JUDGE_UNRECOVERABLE' })));
    const { rows: runs } = await sql.query(`select status, counts from assay.monitor_run where run_id = $1`, [runId]);
    expect(runs[0].status).toBe('succeeded');
    expect(runs[0].counts.scorers.safety).toMatchObject({ sampled: 3, scored: 0, errored: 3 });
    expect(runs[0].counts.errors).toHaveLength(3);
    expect(await copied(id)).toHaveLength(3);
  });
});
