/**
 * Session judges under a monitor's daily budget, and in "why was this trace (not) scored": trace and
 * session judge calls together never pass the budget; a session the budget holds back is deferred,
 * explained, and judged once when budget is back; a trace without a session says so.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { configureMonitor, newExperiment, startMonitorRun, turnBudgetDay } from '../support/monitor.ts';
import { mlflowTrace, newTraceHex, T0_MS, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const SESSIONS = ['s-1', 's-2', 's-3', 's-4', 's-5', 's-6'];
const BUDGET = 8;

function turn(session: string | null, question: string): Json {
  return mlflowTrace(
    newTraceHex(),
    [
      {
        id: 1,
        name: 'chat',
        type: 'CHAT_MODEL',
        inputs: { messages: [{ role: 'user', content: question }] },
        outputs: { choices: [{ message: { role: 'assistant', content: 'Happy to help.' } }] },
        startMs: 0,
        endMs: 200,
      },
    ],
    { request_time: new Date(T0_MS).toISOString(), trace_metadata: session ? { 'mlflow.trace.session': session } : {} },
  );
}

interface Decision {
  scorer: string;
  decision: string;
  reason: string;
  level?: string;
}

describe('session judges under a judge budget', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let admin: Record<string, string>;
  let experimentId: string;
  const traceOf = new Map<string, string>();
  let loner: string;

  const ingest = async (session: string | null, question: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, headers: admin, payload: turn(session, question) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().trace_ids[0] as string;
  };
  const sessionFeedback = async () =>
    (
      await sql<{ session: string; valid: boolean }>`
        select metadata ->> 'mlflow.trace.session' as session, valid from assay.assessment
        where name = 'conversation_completeness' order by 1`.execute(t.ctx.db)
    ).rows;
  const decisions = async (traceId: string): Promise<Decision[]> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/traces/${traceId}/monitor-decisions`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().scorers;
  };
  const completeness = async (traceId: string) => (await decisions(traceId)).find((d) => d.scorer === 'conversation_completeness')!;

  beforeAll(async () => {
    judge = await startFakeJudge({ latencyMs: 5 });
    t = await startTestApp({ env: { ASSAY_OFFLINE_JUDGE: 'false', ASSAY_JUDGE_BASE_URL: judge.url, ASSAY_JUDGE_API_KEY: 'k' } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    admin = await t.tokenHeaders('admin');
    experimentId = await newExperiment(t.ctx);
    await configureMonitor(t, experimentId, {
      results_schema: 'sessbudget',
      session_idle_seconds: 1,
      scorers: [{ name: 'safety' }, { name: 'conversation_completeness' }],
      budget: { max_judge_calls: BUDGET },
    }, admin);
    for (const session of SESSIONS) traceOf.set(session, await ingest(session, `Hello from ${session}`));
    loner = await ingest(null, 'A question outside any conversation');
    await waitFor(
      async () =>
        (await sql<{ idle: boolean }>`select now() - max(created_at) > interval '1 second' as idle from assay.trace`.execute(t.ctx.db)).rows[0]?.idle === true || undefined,
      { what: 'sessions to go idle', timeoutMs: 10_000, intervalMs: 100 },
    );
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
  });

  it('makes at most the budget of calls, trace and session judges together, and defers the rest', async () => {
    await startMonitorRun(t, admin, experimentId);
    expect(judge.calls).toHaveLength(BUDGET);
    const judgedSessions = (await sessionFeedback()).map((f) => f.session);
    const safety = (await sql<{ n: number }>`select count(*)::int as n from assay.assessment where name = 'safety'`.execute(t.ctx.db)).rows[0]!.n;
    expect(safety + judgedSessions.length).toBe(BUDGET);
    // Seven trace pairs and six session pairs compete for eight calls: which wait depends on which
    // chunk reserves first (they run side by side), but five wait either way, each saying why.
    let deferred = 0;
    for (const s of SESSIONS) {
      const judged = judgedSessions.includes(s);
      if (!judged) deferred += 1;
      expect(await completeness(traceOf.get(s)!)).toMatchObject({ decision: judged ? 'scored' : 'deferred_by_budget', level: 'session' });
    }
    const safetyJudged = new Set(
      (await sql<{ trace_id: string }>`select trace_id from assay.assessment where name = 'safety'`.execute(t.ctx.db)).rows.map((r) => r.trace_id),
    );
    for (const traceId of [...traceOf.values(), loner]) {
      const judged = safetyJudged.has(traceId);
      if (!judged) deferred += 1;
      expect((await decisions(traceId)).find((d) => d.scorer === 'safety')).toMatchObject({ decision: judged ? 'scored' : 'deferred_by_budget' });
    }
    expect(deferred).toBe(SESSIONS.length + 1 + SESSIONS.length - BUDGET);
  });

  it('says a trace without a session has nothing for a session judge', async () => {
    const d = await completeness(loner);
    expect(d.decision).toBe('not_applicable');
    expect(d.reason).toContain('no session');
  });

  it('judges every deferred session once when the day turns', async () => {
    await turnBudgetDay(t.ctx.db, experimentId);
    await startMonitorRun(t, admin, experimentId);
    const rows = await sessionFeedback();
    expect(rows.map((r) => r.session)).toEqual(SESSIONS);
    expect(rows.every((r) => r.valid)).toBe(true);
    // Seven traces with safety, six sessions: each pair judged exactly once over the two days.
    expect(judge.calls).toHaveLength(SESSIONS.length + 1 + SESSIONS.length);
    const left = await sql<{ n: number }>`select count(*)::int as n from assay.monitor_deferred_session`.execute(t.ctx.db);
    expect(left.rows[0]!.n).toBe(0);
    for (const s of SESSIONS) expect(await completeness(traceOf.get(s)!)).toMatchObject({ decision: 'scored' });
  });
});
