/**
 * Sessions and judge agreement in a real browser against a real Assay: the sessions list (search,
 * paging past the first page, session feedback chips, keyboard), a session read as a conversation
 * with its session feedback on the turn it is attached to, and the judge agreement page with one
 * known disagreement whose trace opens from it. Every page is checked with axe-core.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowTrace, newTraceHex } from '../support/trace-payloads.ts';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';

const MINUTE = 60_000;
const BASE = Date.parse('2026-03-02T10:00:00.000Z');

/** One chat turn as MLflow JSON in a session. */
function turn(hex: string, minute: number, question: string, answer: string, session: string, user: string) {
  return mlflowTrace(
    hex,
    [{ id: 1, name: 'chat', type: 'CHAT_MODEL', inputs: { messages: [{ role: 'user', content: question }] }, outputs: { choices: [{ message: { role: 'assistant', content: answer } }] }, endMs: 400 }],
    {
      request_time: new Date(BASE + minute * MINUTE).toISOString(),
      trace_metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.trace.session': session, 'mlflow.trace.user': user },
    },
  );
}

describe('web console: sessions and judge agreement', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let page: Page;
  let chatExp: string;
  const refund = [newTraceHex(), newTraceHex(), newTraceHex()].map((h) => ({ hex: h, id: `tr-${h}` }));

  beforeAll(async () => {
    a = await startConsoleApp(10);
    // Sessions in an experiment of their own (the sample traces hold a few sessions too).
    chatExp = (await a.call('POST', '/api/v1/experiments', { name: 'support-chat' })).body.experiment_id as string;
    const post = async (traces: unknown[]) => {
      const r = await a.call('POST', `/api/v1/experiments/${chatExp}/traces`, { traces });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    };
    // The conversation under test, newest of all, and 104 one-turn sessions before it (past the first page of 100).
    await post([
      turn(refund[0]!.hex, 1000, 'What is the refund window?', 'Refunds are accepted within 30 days.', 'conv-refund', 'ana'),
      turn(refund[1]!.hex, 1002, 'And for sale items?', 'Also 30 days.', 'conv-refund', 'ana'),
      turn(refund[2]!.hex, 1004, 'You said 14 days before, which is it?', 'Sorry, 30 days for everything.', 'conv-refund', 'ana'),
    ]);
    await post(Array.from({ length: 104 }, (_, i) => turn(newTraceHex(), i, `question ${i}`, `answer ${i}`, `conv-${String(i).padStart(3, '0')}`, `user-${i % 7}`)));
    // Session feedback from a session judge: attached to the session's last trace and naming the session.
    for (const [name, value, rationale] of [
      ['user_frustration', 'yes', 'The user had to ask a third time because the answers contradicted each other.'],
      ['conversation_completeness', 'no', 'The sale-item question was answered inconsistently.'],
    ] as const) {
      const r = await a.call('POST', `/api/v1/traces/${refund[2]!.id}/assessments`, {
        assessment_name: name, feedback: { value }, rationale,
        source: { source_type: 'LLM_JUDGE', source_id: 'fake-judge' },
        metadata: { 'mlflow.trace.session': 'conv-refund' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    // Judge and person on four traces: they disagree on exactly one.
    const label = async (traceId: string, value: string, source: 'LLM_JUDGE' | 'HUMAN', rationale: string) => {
      const r = await a.call('POST', `/api/v1/traces/${traceId}/assessments`, {
        assessment_name: 'correctness', feedback: { value }, rationale,
        source: { source_type: source, source_id: source === 'HUMAN' ? 'ana' : 'fake-judge' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    for (const i of [0, 1, 2]) {
      await label(a.traceIds[i]!, 'yes', 'LLM_JUDGE', 'Matches the policy.');
      await label(a.traceIds[i]!, 'yes', 'HUMAN', 'Correct.');
    }
    await label(a.traceIds[3]!, 'yes', 'LLM_JUDGE', 'The answer states the refund window.');
    await label(a.traceIds[3]!, 'no', 'HUMAN', 'Sale items have a 14-day window; the answer is wrong.');
    // A guidelines judge whose disagreements fall on one of its two rules.
    const monitor = await a.call('PUT', `/api/v1/experiments/${a.experimentId}/monitor`, {
      results_schema: 'monitoring',
      scorers: [{ name: 'tone', type: 'guidelines', guidelines: ['The response must use a polite tone.', 'Never quote prices.'] }],
    });
    expect(monitor.status, JSON.stringify(monitor.body)).toBe(201);
    const tone = async (traceId: string, value: string, source: 'LLM_JUDGE' | 'HUMAN', rationale: string) => {
      const r = await a.call('POST', `/api/v1/traces/${traceId}/assessments`, {
        assessment_name: 'tone', feedback: { value }, rationale, source: { source_type: source, source_id: source === 'HUMAN' ? 'ana' : 'fake-judge' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    await tone(a.traceIds[4]!, 'yes', 'LLM_JUDGE', 'Follows both rules.');
    await tone(a.traceIds[4]!, 'no', 'HUMAN', 'It quoted prices; never quote prices.');
    await tone(a.traceIds[5]!, 'yes', 'LLM_JUDGE', 'Fine.');
    await tone(a.traceIds[5]!, 'no', 'HUMAN', 'Quotes prices again.');
    await tone(a.traceIds[6]!, 'yes', 'LLM_JUDGE', 'Fine.');
    await tone(a.traceIds[6]!, 'yes', 'HUMAN', 'Fine.');
    opened = await openPage();
    page = opened.page;
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  const open = (path: string) => page.goto(`${a.url}${path}`);
  const rows = () => page.locator('table.sessions tbody tr[data-index]');

  it('lists sessions with their feedback, searches them and pages past the first hundred', async () => {
    await open(`/traces?exp=${chatExp}`);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Sessions' }).click();
    await rows().first().waitFor();
    // The total comes from the count beside the first page, before the rest is loaded.
    await page.getByText('105 sessions').waitFor();
    await expect.poll(() => rows().count()).toBeLessThan(105);
    const first = rows().first();
    expect(await first.locator('td').first().textContent()).toBe('conv-refund');
    expect(await first.locator('td').nth(1).textContent()).toBe('ana');
    expect(await first.locator('td').nth(2).textContent()).toBe('3');
    expect(await first.locator('.named-chip').allTextContents()).toEqual(['user_frustration yes', 'conversation_completeness no']);
    expect(await first.locator('.chip-fail').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sessions');

    // Scrolling to the end loads the next page: the last session is the 105th row.
    await page.locator('.table-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.locator('table.sessions tbody tr[data-index="104"]').waitFor();

    // Search by session id and by user; the URL keeps them.
    await page.fill('#session-q', '-01');
    await page.press('#session-q', 'Enter');
    await expect.poll(() => rows().count()).toBe(10);
    expect(page.url()).toContain('q=-01');
    await page.fill('#session-q', '');
    await page.fill('#session-user', 'user-3');
    await page.press('#session-user', 'Enter');
    const byUser = await a.call('GET', `/api/v1/experiments/${chatExp}/sessions?user_id=user-3`);
    await expect.poll(() => rows().count()).toBe(byUser.body.sessions.length);
    expect(byUser.body.sessions.length).toBe(15);
    // A filter the language rejects: the API's message beside the field.
    await page.fill('#session-user', '');
    await page.fill('#session-filter', 'feedback.user_frustration ~ 1');
    await page.press('#session-filter', 'Enter');
    await page.locator('#sessions-error').waitFor();
    expect(await page.getAttribute('#session-filter', 'aria-invalid')).toBe('true');
    await page.fill('#session-filter', "feedback.user_frustration = 'yes'");
    await page.press('#session-filter', 'Enter');
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByText('1 session', { exact: true }).waitFor();
  });

  it('opens a session from the keyboard and reads it as a conversation', async () => {
    await open(`/sessions?exp=${chatExp}`);
    await rows().first().waitFor();
    await rows().first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sessions\/conv-refund/);
    const turns = page.locator('li.turn');
    await expect.poll(() => turns.count()).toBe(3);
    expect(await turns.locator('h3').allTextContents()).toEqual(['Turn 1', 'Turn 2', 'Turn 3']);
    expect(await turns.nth(0).locator('.msg-user .content').textContent()).toBe('What is the refund window?');
    expect(await turns.nth(2).locator('.msg-assistant .content').textContent()).toBe('Sorry, 30 days for everything.');
    expect(await turns.nth(2).locator('.chip-session').textContent()).toBe('session feedback: user_frustration, conversation_completeness');
    const feedback = page.locator('.session-feedback li.assessment');
    expect(await feedback.count()).toBe(2);
    expect(await feedback.first().locator('.rationale').textContent()).toContain('ask a third time');
    expect(await feedback.first().locator('.meta').textContent()).toContain('attached to turn 3');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'session');

    // A person's verdict on the session: session feedback on the last turn, compared with the judge's.
    await page.selectOption('#sl-name', 'user_frustration');
    await page.getByRole('radio', { name: 'no' }).check();
    await page.fill('#sl-rationale', 'The user stayed calm; asking again is not frustration.');
    await page.getByRole('button', { name: 'Save verdict' }).click();
    await page.locator('.success', { hasText: 'Saved user_frustration on the last turn' }).waitFor();
    await expect.poll(() => feedback.count()).toBe(3);
    expect(await feedback.last().locator('.meta').textContent()).toContain('Person · attached to turn 3');
    const agreement = await a.call('GET', `/api/v1/experiments/${chatExp}/judge-agreement`);
    expect(agreement.body.judges).toMatchObject([
      { name: 'user_frustration', pairs: 1, agreement: 0, disagreements: [{ trace_id: refund[2]!.id, judge_value: 'yes', human_value: 'no' }] },
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'session-labelled');

    // Each turn opens its trace.
    await page.getByRole('link', { name: 'Open the trace of turn 2' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/traces/${refund[1]!.id}`));
    await page.locator('h1.trace-title', { hasText: refund[1]!.id }).waitFor();
    await page.goBack();
    await page.locator('li.turn').first().waitFor();
    await page.getByRole('link', { name: '← Sessions' }).click();
    await rows().first().waitFor();
  });

  it('shows each judge’s agreement with people and opens the disagreeing trace', async () => {
    await open(`/sessions?exp=${a.experimentId}`);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Judge agreement' }).click();
    const row = page.locator('.judges-table tbody tr', { hasText: 'correctness' });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    // 4 pairs, 3 agree; human yes 3 / no 1, judge yes 4: pe = 3/4, kappa = (3/4 − 3/4)/(1/4) = 0.
    expect(cells).toEqual(['correctness', '4', '75.0%', '0.00 (slight)', '1']);
    const matrix = page.locator('table.confusion-matrix');
    expect(await matrix.locator('td.cell').allTextContents()).toEqual(['3', '0', '1', '0']);
    const disagreements = page.locator('li.disagreement');
    expect(await disagreements.count()).toBe(1);
    expect(await disagreements.first().textContent()).toContain('The answer states the refund window.');
    expect(await disagreements.first().textContent()).toContain('Sale items have a 14-day window; the answer is wrong.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'judge-agreement');

    // The guidelines judge: which rule its disagreements cluster on.
    await page.getByRole('link', { name: 'tone', exact: true }).click();
    await page.waitForURL(/judge=tone/);
    const clusters = page.locator('.clusters-table tbody tr');
    await clusters.first().waitFor();
    // Both rules applied to all 3 pairs, 2 disagree; only the prices rule is named (by the first: 3/3 words).
    expect(await clusters.first().locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['Never quote prices.', '1', '2', '3', '66.7%']),
    );
    expect(await clusters.nth(1).locator('td').first().textContent()).toBe('The response must use a polite tone.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'judge-agreement-guidelines');

    await page.getByRole('link', { name: 'correctness', exact: true }).click();
    await page.waitForURL(/judge=correctness/);
    await disagreements.first().getByRole('link', { name: a.traceIds[3]! }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/traces/${a.traceIds[3]}`));
    await page.locator('.assessment', { hasText: 'Sale items have a 14-day window' }).waitFor();
  });
});
