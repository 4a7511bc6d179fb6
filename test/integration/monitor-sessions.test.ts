/**
 * Session judges in a monitor, with the fake judge: a session is judged once it has been idle, never
 * while its turns keep arriving within the idle time, and again after a new turn — replacing its
 * earlier feedback, one valid per (session, scorer) — with sampling on the session id, the feedback
 * on the session's last trace, in the sessions API, the results table and session_logs.
 */
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSampled } from '../../src/domain/sampling.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { newExperiment, putMonitor, startMonitorRun } from '../support/monitor.ts';
import { mlflowTrace, newTraceHex, T0_MS, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const SESSIONS = ['conv-a', 'conv-b', 'conv-c', 'conv-d', 'conv-e', 'conv-f', 'conv-g', 'conv-h'];
const SESSION_MARKERS = ['conversation_completeness', 'user_frustration', 'custom_session_judge'];

function turn(session: string, index: number, question: string, answer: string): Json {
  return mlflowTrace(
    newTraceHex(),
    [
      {
        id: 1,
        name: 'chat',
        type: 'CHAT_MODEL',
        inputs: { messages: [{ role: 'user', content: question }] },
        outputs: { choices: [{ message: { role: 'assistant', content: answer } }] },
        startMs: index * 1000,
        endMs: index * 1000 + 200,
      },
    ],
    { request_time: new Date(T0_MS + index * 1000).toISOString(), trace_metadata: { 'mlflow.trace.session': session, 'mlflow.trace.user': 'pat' } },
  );
}

describe.each(['postgres', 'pglite'] as const)('session judges in a monitor on %s', (db) => {
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  const lastTrace = new Map<string, string>();

  const put = (extra: Json) =>
    putMonitor(
      t,
      experimentId,
      {
        results_schema: 'sessmon',
        scorers: [
          { name: 'safety' },
          { name: 'conversation_completeness' },
          { name: 'frustrated', type: 'user_frustration', sample_rate: 0.5 },
          { name: 'polite', type: 'custom_session_judge', instructions: 'Is the assistant polite throughout {{ conversation }}?' },
        ],
        ...extra,
      },
      admin,
    );
  const ingest = async (session: string, index: number, question: string, answer: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, headers: admin, payload: turn(session, index, question, answer) });
    expect(res.statusCode, res.body).toBe(200);
    lastTrace.set(session, res.json().trace_ids[0]);
  };
  const sessionCalls = () => judge.calls.filter((c) => SESSION_MARKERS.includes(c.marker ?? ''));
  const query = async <R = Json>(q: RawBuilder<R>): Promise<R[]> => (await q.execute(t.ctx.db)).rows;
  /** Session feedback rows: [session, name, value, valid, trace]. */
  const sessionFeedback = async () =>
    query(
      sql<{ session: string; name: string; value: string; valid: boolean; trace_id: string }>`
        select metadata ->> 'mlflow.trace.session' as session, name, value #>> '{}' as value, valid, trace_id
        from assay.assessment where metadata ? 'mlflow.trace.session' order by 1, 2, create_time`,
    );
  /** Waits until the newest turn arrived more than `seconds` ago by the database's clock. */
  const idleFor = (seconds: number) =>
    waitFor(
      async () =>
        (await query(sql<{ idle: boolean }>`select now() - max(created_at) > make_interval(secs => ${seconds}) as idle from assay.trace`))[0]?.idle === true,
      { what: 'sessions to go idle', timeoutMs: 10_000, intervalMs: 100 },
    );

  beforeAll(async () => {
    judge = await startFakeJudge({
      answers: {
        // Resolved while the conversation has two turns at most.
        conversation_completeness: (call) => ({ rationale: `judged ${call.sections.CONVERSATION?.match(/Turn \d+/g)?.length} turns`, result: call.sections.CONVERSATION?.includes('Turn 3') ? 'no' : 'yes' }),
      },
    });
    t = await startTestApp({ db, env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    const created = await put({ session_idle_seconds: 3600 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().config.session_idle_seconds).toBe(3600);
    for (const session of SESSIONS) await ingest(session, 0, `Hello from ${session}`, 'Hi, how can I help?');
    await ingest('conv-a', 1, 'What is the refund window?', '30 days.');
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  it('does not judge a session before it has been idle long enough', async () => {
    await startMonitorRun(t, admin, experimentId);
    expect(sessionCalls()).toEqual([]);
    expect(await sessionFeedback()).toEqual([]);
    // Trace judges run as before, and not a session judge on single traces.
    const rows = await query(sql`select name, count(*)::int as n from assay.assessment group by name`);
    expect(rows).toEqual([{ name: 'safety', n: 9 }]);
  });

  it('judges each idle session once, sampled on its id, on its last trace', async () => {
    expect((await put({ session_idle_seconds: 1 })).statusCode).toBe(200);
    await idleFor(1);
    const runId = await startMonitorRun(t, admin, experimentId);
    const sampled = SESSIONS.filter((s) => isSampled(s, 0.5));
    // The run's history counts sessions for session judges.
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/monitor/runs`, headers: admin });
    const judged = history.json().runs.find((r: Json) => r.run_id === runId);
    expect(judged.scorers.frustrated).toMatchObject({ sampled: sampled.length, scored: sampled.length, errored: 0 });
    expect(judged.scorers.conversation_completeness).toMatchObject({ sampled: SESSIONS.length, scored: SESSIONS.length });
    expect(judged.assessments_written).toBe(SESSIONS.length * 2 + sampled.length);
    const feedback = await sessionFeedback();
    expect(feedback.filter((f) => f.name === 'conversation_completeness').map((f) => f.session)).toEqual(SESSIONS);
    expect(feedback.filter((f) => f.name === 'polite').map((f) => f.session)).toEqual(SESSIONS);
    expect(feedback.filter((f) => f.name === 'frustrated').map((f) => f.session)).toEqual(sampled);
    expect(feedback.every((f) => f.valid && f.trace_id === lastTrace.get(f.session))).toBe(true);
    expect(sessionCalls()).toHaveLength(SESSIONS.length * 2 + sampled.length);
    // The judge read the conversation, turn by turn.
    const convA = judge.calls.find((c) => c.marker === 'conversation_completeness' && c.sections.CONVERSATION?.includes('conv-a'));
    expect(convA?.sections.CONVERSATION).toBe('Turn 1\nUser: Hello from conv-a\nAssistant: Hi, how can I help?\n\nTurn 2\nUser: What is the refund window?\nAssistant: 30 days.');

    // Nothing new: a run judges nothing again.
    await startMonitorRun(t, admin, experimentId);
    expect(sessionCalls()).toHaveLength(SESSIONS.length * 2 + sampled.length);

    // Listed on the session, and in the results table and session_logs.
    const listed = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/sessions?user_id=pat&max_results=100`, headers: admin });
    const a = listed.json().sessions.find((s: Json) => s.session_id === 'conv-a');
    expect(a.assessments.map((x: Json) => x.assessment_name).sort()).toEqual(
      ['conversation_completeness', 'polite', ...(sampled.includes('conv-a') ? ['frustrated'] : [])].sort(),
    );
    const logs = await query(sql<Json>`select session_id, turns, last_trace_id, assessments from ${sql.id('sessmon', `session_logs_${experimentId}`)} order by session_id`);
    expect(logs.map((r: Json) => [r.session_id, r.turns])).toEqual(SESSIONS.map((s) => [s, s === 'conv-a' ? 2 : 1]));
    const logA = logs[0]!;
    expect(logA.last_trace_id).toBe(lastTrace.get('conv-a'));
    expect(logA.assessments.find((x: Json) => x.name === 'conversation_completeness').value).toBe('yes');
    const copied = await query(sql<Json>`select count(*)::int as n from ${sql.id('sessmon', `trace_logs_${experimentId}`)} where session_id = 'conv-a'`);
    expect(copied[0]!.n).toBe(2);
  });

  it('waits while turns keep arriving, then judges again and replaces the earlier feedback', async () => {
    const before = sessionCalls().length;
    await ingest('conv-a', 2, 'That is not what I asked.', 'Sorry, refunds take 5 days.');
    expect((await put({ session_idle_seconds: 3600 })).statusCode).toBe(200);
    await startMonitorRun(t, admin, experimentId);
    expect(sessionCalls()).toHaveLength(before);

    expect((await put({ session_idle_seconds: 1 })).statusCode).toBe(200);
    await idleFor(1);
    await startMonitorRun(t, admin, experimentId);
    const rejudged = SESSIONS.filter((s) => s === 'conv-a');
    const sampledA = isSampled('conv-a', 0.5) ? 1 : 0;
    expect(sessionCalls()).toHaveLength(before + rejudged.length * (2 + sampledA));

    const feedback = (await sessionFeedback()).filter((f) => f.session === 'conv-a' && f.name === 'conversation_completeness');
    expect(feedback.map((f) => [f.value, f.valid])).toEqual([
      ['yes', false],
      ['no', true],
    ]);
    expect(feedback[1]!.trace_id).toBe(lastTrace.get('conv-a'));
    // Exactly one valid per (session, scorer), everywhere.
    const rows = await query(
      sql`select metadata ->> 'mlflow.trace.session' as s, name, count(*)::int as n from assay.assessment
          where metadata ? 'mlflow.trace.session' and valid group by 1, 2 having count(*) <> 1`,
    );
    expect(rows).toEqual([]);
    // The earlier last trace was copied again without the replaced feedback.
    const logs = await query(sql<Json>`select turns, assessments from ${sql.id('sessmon', `session_logs_${experimentId}`)} where session_id = 'conv-a'`);
    expect(logs[0]!.turns).toBe(3);
    expect(logs[0]!.assessments.filter((x: Json) => x.name === 'conversation_completeness').map((x: Json) => x.value)).toEqual(['no']);
  });

  it('refuses bad session settings with a 400 naming the field', async () => {
    const cases: Array<[Json, string]> = [
      [{ session_idle_seconds: 0 }, 'session_idle_seconds'],
      [{ session_idle_seconds: 86_401 }, 'session_idle_seconds'],
      [{ scorers: [{ name: 'conversation_completenes' }] }, 'scorers[0].name'],
      [{ scorers: [{ name: 'c', type: 'custom_session_judge', instructions: 'Was it good?' }] }, 'scorers[0].instructions'],
    ];
    for (const [body, field] of cases) {
      const res = await put(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toContain(field);
    }
  });
});
