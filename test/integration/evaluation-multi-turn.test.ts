/**
 * Multi-turn evaluation records with session judges and the fake judge: a record whose inputs are a
 * list of chat messages (or `{messages: [...]}`) is a conversation; its output (the record's, or the
 * target's answer to the last user message) closes the last turn; session judges read it and give
 * the row's verdicts, and do not apply to single-turn records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { client } from '../support/dataset-fixtures.ts';
import { allRunRows, startRun, waitForEvaluation, type Call, type Loose } from '../support/evaluation.ts';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';

const SESSION_JUDGES = ['conversation_completeness', 'user_frustration', 'knowledge_retention'];

describe('multi-turn evaluation records and session judges', () => {
  let t: TestApp;
  let judge: FakeJudge;
  let target: FakeTarget;
  let call: Call;
  const seen: Record<string, string[]> = {};

  beforeAll(async () => {
    judge = await startFakeJudge();
    const answer = (marker: string, no: (conversation: string) => boolean) =>
      judge.setAnswer(marker, (c) => {
        const conversation = c.sections.CONVERSATION ?? '';
        (seen[marker] ??= []).push(conversation);
        return no(conversation) ? { rationale: `${marker}: no`, result: 'no' } : { rationale: `${marker}: yes`, result: 'yes' };
      });
    answer('user_frustration', (c) => !c.includes('already!'));
    answer('knowledge_retention', (c) => c.includes('What is your order number?'));
    answer('conversation_completeness', (c) => c.includes('Assistant: \n') || c.endsWith('Assistant: '));
    target = await startFakeTarget({ answer: (q) => `You asked: ${q}` });
    process.env.EVAL_MT_API_KEY = 'sk-mt';
    t = await startTestApp({
      env: {
        ASSAY_OFFLINE_JUDGE: 'false',
        ASSAY_JUDGE_BASE_URL: judge.url,
        ASSAY_JUDGE_API_KEY: 'judge-key',
        ASSAY_OUTBOUND_ALLOW: target.url,
        ASSAY_TARGET_SECRETS: `EVAL_MT_API_KEY@${target.url}`,
      },
    });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    call = client(t, await t.tokenHeaders('writer', 'evaluator'));
  });
  afterAll(async () => {
    await t?.close();
    await judge?.close();
    await target?.close();
  });

  it('judges each multi-turn record as a conversation, and single-turn records not at all', async () => {
    const runId = await startRun(call, {
      scorers: SESSION_JUDGES,
      data: {
        records: [
          {
            inputs: [
              { role: 'user', content: 'What is the refund window?' },
              { role: 'assistant', content: '30 days.' },
              { role: 'user', content: 'And for sale items?' },
            ],
            outputs: 'Also 30 days.',
          },
          {
            inputs: {
              messages: [
                { role: 'system', content: 'Be brief.' },
                { role: 'user', content: 'Where is my refund?' },
                { role: 'assistant', content: 'Which order?' },
                { role: 'user', content: 'I said order 42 already!' },
              ],
            },
            outputs: 'What is your order number?',
          },
          { inputs: { question: 'hi' }, outputs: 'hello' },
        ],
      },
    });
    const run = await waitForEvaluation(call, runId);
    const rows = await allRunRows(call, runId);
    const verdicts = (i: number) => Object.fromEntries(rows[i]!.verdicts.map((v: Loose) => [v.name, v.value]));
    expect(verdicts(0)).toEqual({ conversation_completeness: 'yes', user_frustration: 'no', knowledge_retention: 'yes' });
    expect(verdicts(1)).toEqual({ conversation_completeness: 'yes', user_frustration: 'yes', knowledge_retention: 'no' });
    expect(rows[1]!.failing_judges).toEqual(['knowledge_retention']);
    // A single-turn record holds no conversation: the session judges do not apply and nothing is asked.
    expect(rows[2]!.verdicts).toEqual([]);
    for (const marker of SESSION_JUDGES) expect(seen[marker], marker).toHaveLength(2);
    // What the judge read: the turns in order, the system message left out, the output closing the last turn.
    expect(seen.user_frustration).toContain(
      'Turn 1\nUser: What is the refund window?\nAssistant: 30 days.\n\nTurn 2\nUser: And for sale items?\nAssistant: Also 30 days.',
    );
    expect(seen.user_frustration).toContain(
      'Turn 1\nUser: Where is my refund?\nAssistant: Which order?\n\nTurn 2\nUser: I said order 42 already!\nAssistant: What is your order number?',
    );
    expect(run.metrics['user_frustration/mean']).toBeCloseTo(0.5, 12);
    // The row's trace keeps the messages as its request; the feedback is on it.
    const trace = await call('GET', `/api/v1/traces/${rows[0]!.trace_id}`);
    expect(trace.body.data.spans[0].inputs).toEqual({ messages: [
      { role: 'user', content: 'What is the refund window?' },
      { role: 'assistant', content: '30 days.' },
      { role: 'user', content: 'And for sale items?' },
    ] });
    expect(trace.body.info.assessments.map((a: Loose) => a.assessment_name).sort()).toEqual([...SESSION_JUDGES].sort());
  });

  it('with a target, the target answers the last user message and that answer closes the conversation', async () => {
    const before = seen.conversation_completeness?.length ?? 0;
    const runId = await startRun(call, {
      scorers: ['conversation_completeness'],
      data: { records: [{ inputs: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Refund window?' }] }] },
      target: { type: 'openai_chat', base_url: `${target.url}/v1`, model: 'fake-app', api_key_env: 'EVAL_MT_API_KEY' },
    });
    await waitForEvaluation(call, runId);
    const [row] = await allRunRows(call, runId);
    expect(row!.verdicts.map((v: Loose) => [v.name, v.value])).toEqual([['conversation_completeness', 'yes']]);
    expect(seen.conversation_completeness!.slice(before)).toEqual([
      'Turn 1\nUser: Hi\nAssistant: Hello!\n\nTurn 2\nUser: Refund window?\nAssistant: You asked: Refund window?',
    ]);
    // The target got the whole conversation.
    expect((target.calls.at(-1)!.body as Loose).messages.map((m: Loose) => m.content)).toEqual(['Hi', 'Hello!', 'Refund window?']);
  });

  it('names a bad multi-turn record and an unknown session judge', async () => {
    const empty = await call('POST', '/api/v1/evaluations', { scorers: ['user_frustration'], data: { records: [{ inputs: [], outputs: 'x' }] } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('data.records[0].inputs: a multi-turn record needs at least one chat message');
    const noRole = await call('POST', '/api/v1/evaluations', { scorers: ['user_frustration'], data: { records: [{ inputs: [{ content: 'hi' }], outputs: 'x' }] } });
    expect(noRole.status).toBe(400);
    expect(noRole.body.message).toContain('data.records[0].inputs');
    const unknown = await call('POST', '/api/v1/evaluations', { scorers: ['user_frustrations'], data: { records: [{ inputs: [{ role: 'user', content: 'hi' }], outputs: 'x' }] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('scorers[0]');
  });
});
