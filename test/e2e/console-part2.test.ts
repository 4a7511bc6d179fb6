/**
 * The console's second part in a real browser against a real Assay: adding and editing a dataset
 * record (the API's message beside the field), import, the version diff, a labeling session from
 * creation through labeling to sync (twice: no duplicates), an evaluation run filtered by a failing
 * judge, a comparison with one regression, the overview dashboard with data, and creating a token.
 * Every page is checked with axe-core.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRunRows, startRun, waitForEvaluation, type Loose } from '../support/evaluation.ts';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';

describe('web console, part 2', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let page: Page;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => a.call(method, url, body) as Promise<{ status: number; body: Record<string, Loose> }>;

  beforeAll(async () => {
    a = await startConsoleApp(40);
    opened = await openPage();
    page = opened.page;
    page.on('dialog', (d) => void d.accept());
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  const open = (path: string) => page.goto(`${a.url}${path}`);
  const recordRows = () => page.locator('table.records tbody tr[data-index]');
  const exp = () => `exp=${a.experimentId}`;

  it('adds and edits a dataset record in place, with the API’s message beside the field', async () => {
    await call('POST', '/api/v1/datasets', { name: 'evals.golden' });
    const records = Array.from({ length: 30 }, (_, i) => ({ inputs: { question: `question ${i}` }, expectations: { expected_response: `answer ${i}` }, outputs: `out ${i}` }));
    expect((await call('POST', '/api/v1/datasets/evals.golden/merge', { records })).status).toBe(200);

    await open(`/datasets?${exp()}`);
    await page.locator('a', { hasText: 'evals.golden' }).click();
    await recordRows().first().waitFor();
    await page.getByText('30 records').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dataset');

    await page.fill('#record-search', 'question 2');
    await page.press('#record-search', 'Enter');
    // "question 2" and "question 20" … "question 29".
    await expect.poll(() => recordRows().count()).toBe(11);
    expect(page.url()).toContain('q=question');
    await page.fill('#record-search', '');
    await page.press('#record-search', 'Enter');
    await expect.poll(() => page.getByText('30 records').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Add record' }).click();
    await page.fill('#rec-inputs', '{"question": "new one"}');
    await page.fill('#rec-expectations', '{"expected_facts": "not a list"}');
    // Checked as you type.
    await page.locator('#rec-expectations-error', { hasText: 'expectations.expected_facts: must be a list of strings' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add record', exact: true }).last().isDisabled()).toBe(true);
    // What only the server knows: its message, placed on the field it names.
    await page.fill('#rec-expectations', '{"expected_retrieved_context": "doc"}');
    await page.locator('form.record-editor button[type=submit]').click();
    await page.locator('#rec-expectations-error', { hasText: 'expectations.expected_retrieved_context' }).waitFor();
    expect(await page.getAttribute('#rec-expectations', 'aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dataset-record-error');
    await page.fill('#rec-expectations', '{"expected_facts": ["fresh"]}');
    await page.locator('form.record-editor button[type=submit]').click();
    await page.locator('.success', { hasText: 'Added a record' }).waitFor();
    const added = (await call('GET', '/api/v1/datasets/evals.golden/records?search=new one')).body.records;
    expect(added).toMatchObject([{ inputs: { question: 'new one' }, expectations: { expected_facts: ['fresh'] }, source: { human: { user_name: 'anonymous' } } }]);

    // Edit in place: the first record's expected response.
    await recordRows().first().click();
    await page.locator('#rec-expectations').waitFor();
    expect(await page.getAttribute('#rec-inputs', 'readonly')).not.toBeNull();
    await page.fill('#rec-expectations', '{"expected_response": "answer zero, corrected"}');
    await page.fill('#rec-tags', '{"reviewed": "yes"}');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.success', { hasText: 'Saved' }).waitFor();
    const first = (await call('GET', '/api/v1/datasets/evals.golden/records?max_results=1')).body.records[0];
    expect(first).toMatchObject({ expectations: { expected_response: 'answer zero, corrected' }, tags: { reviewed: 'yes' } });

    // Delete the second record.
    const second = (await call('GET', '/api/v1/datasets/evals.golden/records?max_results=2')).body.records[1];
    await page.getByRole('button', { name: `Delete record ${second.dataset_record_id}` }).click();
    await page.locator('.success', { hasText: `Deleted ${second.dataset_record_id}` }).waitFor();

    // Import a JSONL file with progress.
    const dir = await mkdtemp(join(tmpdir(), 'assay-e2e-'));
    const file = join(dir, 'more.jsonl');
    await writeFile(file, Array.from({ length: 5 }, (_, i) => JSON.stringify({ inputs: { question: `imported ${i}` } })).join('\n'));
    await page.setInputFiles('#import-file', file);
    await page.locator('.success', { hasText: 'Imported 5: 5 added, 0 merged' }).waitFor();
    await rm(dir, { recursive: true, force: true });
    const dataset = (await call('GET', '/api/v1/datasets/evals.golden')).body.dataset;
    expect(dataset.record_count).toBe(30 + 1 - 1 + 5);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dataset-imported');
  });

  it('shows the diff between two versions with the changed keys highlighted', async () => {
    const versions = (await call('GET', '/api/v1/datasets/evals.golden/versions')).body.versions;
    const current = versions[0].version as number;
    const api = (await call('GET', `/api/v1/datasets/evals.golden/diff?from=1&to=${current}`)).body;
    await open(`/datasets/evals.golden?${exp()}&view=diff&diff_from=1&diff_to=${current}`);
    await page.locator('.diff-counts').waitFor();
    expect(await page.locator('.diff-counts').textContent()).toContain(`${api.counts.added} added`);
    expect(api.counts).toEqual({ added: 6, removed: 1, changed: 1 });
    await expect.poll(() => page.locator('.diff-added').count()).toBe(6);
    await page.locator('.diff-removed').first().waitFor();
    const changed = page.locator('.diff-changed');
    expect(await changed.locator('mark').allTextContents()).toEqual(['expectations.expected_response', 'tags.reviewed']);
    expect(await changed.locator('.del').first().textContent()).toBe('answer 0');
    expect(await changed.locator('.ins').first().textContent()).toBe('answer zero, corrected');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dataset-diff');

    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.locator('table.runs tbody tr').nth(current - 1).waitFor();
    expect(await page.locator('table.runs tbody tr').count()).toBe(current);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dataset-versions');
  });

  it('runs a labeling session from creation through labeling to sync, twice without duplicates', async () => {
    await open(`/labeling?${exp()}`);
    await page.getByRole('button', { name: 'New session' }).click();
    await page.fill('#session-name', 'unsafe answers');
    await page.fill('#schema-1-name', 'expected_response');
    await page.getByRole('button', { name: 'Add a schema' }).click();
    await page.fill('#schema-2-name', 'quality');
    await page.selectOption('#schema-2-type', 'numeric');
    await page.fill('#schema-2-min', '5');
    await page.fill('#schema-2-max', '1');
    await page.getByRole('button', { name: 'Add a schema' }).click();
    await page.fill('#schema-3-name', 'topic');
    await page.selectOption('#schema-3-type', 'categorical');
    await page.fill('#schema-3-options', 'refunds, shipping, other');
    await page.fill('#session-filter', "tags.sample_kind = 'unsafe'");
    await page.getByRole('button', { name: 'Create session' }).click();
    // The API's message on the schema it names; nothing created.
    await page.locator('#schema-2-error', { hasText: 'label_schemas[2].max: must be greater than min' }).waitFor();
    expect((await call('GET', `/api/v1/labeling-sessions?experiment_id=${a.experimentId}`)).body.labeling_sessions).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'labeling-create-error');
    await page.fill('#schema-2-min', '1');
    await page.fill('#schema-2-max', '5');
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/labeling\/\d+/);
    const sessionId = page.url().match(/labeling\/(\d+)/)![1]!;
    const unsafe = (await call('POST', '/api/v1/traces/search', { experiment_ids: [a.experimentId], filter_string: "tags.sample_kind = 'unsafe'" })).body.traces as Array<{ trace_id: string }>;
    const total = unsafe.length;
    expect(total).toBeGreaterThan(1);
    await page.locator('.progress-line', { hasText: `0 of ${total} done` }).waitFor();
    await page.getByRole('heading', { name: `Trace 1 of ${total}` }).waitFor();
    await page.locator('.trace-side .msg-user').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'labeler');

    // Keyboard: y for yes, 2 for the second category; then the text fields, Ctrl+Enter saves and moves on.
    await page.locator('body').press('y');
    await page.locator('body').press('2');
    await page.fill('#label-quality', '4');
    await page.fill('#label-expected_response', 'We cannot help with that.');
    await page.keyboard.press('Control+Enter');
    await page.getByRole('heading', { name: `Trace 2 of ${total}` }).waitFor();
    await page.locator('.progress-line', { hasText: `1 of ${total} done` }).waitFor();
    // The position reaches the URL once the save has moved on (the heading can show it first).
    await page.waitForURL(/[?&]i=1(&|$)/);
    await page.locator('body').press('n');
    await page.locator('body').press('1');
    await page.fill('#label-quality', '2');
    await page.fill('#label-expected_response', 'Refunds take 30 days.');
    await page.getByRole('button', { name: 'Save and next' }).click();
    await page.locator('.progress-line', { hasText: `2 of ${total} done` }).waitFor();

    const labeled = (await call('GET', `/api/v1/labeling-sessions/${sessionId}/traces`)).body.traces;
    expect(labeled[0].labels.helpful[0]).toMatchObject({ value: 'yes', source_id: 'anonymous' });
    expect(labeled[0].labels.topic[0].value).toBe('shipping');
    expect(labeled[1].labels.helpful[0].value).toBe('no');
    expect(labeled[1].labels.topic[0].value).toBe('refunds');

    await page.fill('#sync-dataset', 'evals.labeled');
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    // Traces that asked the same question become one record (records match by inputs).
    const firstSync = page.locator('.sync .success', { hasText: /\d+ records added, 0 merged into evals.labeled/ });
    await firstSync.waitFor();
    const added = Number((await firstSync.textContent())!.match(/^(\d+)/)![1]);
    const distinct = new Set(await Promise.all(unsafe.map(async (t) => JSON.stringify((await call('GET', `/api/v1/traces/${t.trace_id}`)).body.data.spans.find((x: Loose) => !x.parent_span_id)?.attributes?.['mlflow.spanInputs'])))).size;
    expect(added).toBe(distinct);
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    await page.locator('.sync .success', { hasText: `0 records added, ${added} merged into evals.labeled` }).waitFor();
    const synced = (await call('GET', '/api/v1/datasets/evals.labeled/records')).body.records as Array<Record<string, Loose>>;
    expect(synced).toHaveLength(added);
    expect(synced.some((r) => r.expectations.expected_response === 'We cannot help with that.' || r.expectations.expected_response === 'Refunds take 30 days.')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'labeling-synced');

    // More traces from the explorer: a selection added to the session.
    await open(`/traces?${exp()}`);
    await page.locator('table.traces tbody tr[data-index]').first().waitFor();
    const row = page.locator('table.traces tbody tr[data-index]').first();
    await row.locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Add to labeling session' }).click();
    await page.locator('#session-target').waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.dialog .success', { hasText: /Added [01]; the session holds/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'add-to-session');

    await open(`/labeling?${exp()}`);
    await page.locator('table.runs tbody tr', { hasText: 'unsafe answers' }).waitFor();
    expect(await page.locator('table.runs tbody tr', { hasText: 'unsafe answers' }).textContent()).toMatch(/2 of \d+ done/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'labeling-sessions');
  });

  let runA = '';
  let runB = '';

  it('shows an evaluation run row by row and filters by a failing judge', async () => {
    await call('POST', '/api/v1/datasets', { name: 'evals.cmp' });
    const records = ['refund window', 'shipping cost', 'lost parcel', 'gift cards', 'opening hours'].map((q, i) => ({
      inputs: { question: `What about ${q}?` }, outputs: `Answer ${i} about ${q}.`, expectations: { expected_response: `About ${q}.` },
    }));
    await call('POST', '/api/v1/datasets/evals.cmp/merge', { records });
    a.judge.setAnswer('relevance_to_query', (c) => ({ rationale: 'on topic', result: c.user.includes('opening hours') ? 'no' : 'yes' }));
    runA = await startRun(call as never, { name: 'baseline', experiment_id: a.experimentId, data: { name: 'evals.cmp' }, scorers: ['safety', 'relevance_to_query'] });
    await waitForEvaluation(call as never, runA);
    a.judge.setAnswer('relevance_to_query', (c) => ({ rationale: c.user.includes('lost parcel') ? 'talks about something else' : 'on topic', result: c.user.includes('opening hours') || c.user.includes('lost parcel') ? 'no' : 'yes' }));
    runB = await startRun(call as never, { name: 'candidate', experiment_id: a.experimentId, data: { name: 'evals.cmp' }, scorers: ['safety', 'relevance_to_query'] });
    await waitForEvaluation(call as never, runB);

    await open(`/evaluations?${exp()}`);
    await page.locator('table.runs tbody tr', { hasText: 'candidate' }).waitFor();
    expect(await page.locator('table.runs tbody tr', { hasText: 'baseline' }).textContent()).toContain('80.0%');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'evaluation-runs');

    await page.locator('a', { hasText: 'candidate' }).click();
    await page.locator('table.eval-rows tbody tr.eval-row').nth(4).waitFor();
    expect(await page.locator('.metric', { hasText: 'pass_rate' }).textContent()).toContain('60.0%');
    await page.selectOption('#judge-filter', 'relevance_to_query');
    const failing = await allRunRows(call as never, runB, 'failed_judge=relevance_to_query');
    expect(failing).toHaveLength(2);
    await expect.poll(() => page.locator('table.eval-rows tbody tr.eval-row').count()).toBe(2);
    expect(page.url()).toContain('judge=relevance_to_query');
    const lost = page.locator('table.eval-rows tbody tr.eval-row', { hasText: 'lost parcel' });
    expect(await lost.locator('.chip-fail').count()).toBeGreaterThan(0);
    await lost.click();
    await page.locator('.row-detail .rationale', { hasText: 'talks about something else' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'evaluation-run');
    await page.locator('.row-detail a', { hasText: 'Open the trace' }).click();
    await page.waitForURL(/\/traces\/tr-/);
    await page.locator('.assessment', { hasText: 'talks about something else' }).waitFor();
  });

  it('compares two runs with one regression side by side', async () => {
    await open(`/evaluations/compare?${exp()}&a=${runA}&b=${runB}`);
    await page.locator('.chip', { hasText: '1 regressions' }).waitFor();
    expect(await page.locator('.chip', { hasText: 'improvements' }).textContent()).toBe('0 improvements');
    const passRate = page.locator('.compare-metrics tr', { hasText: /^pass_rate/ });
    expect(await passRate.textContent()).toContain('−20.0 pts');
    await page.locator('button.change', { hasText: 'lost parcel' }).click();
    await page.locator('.side-by-side .assessment', { hasText: 'talks about something else' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'evaluation-compare');

    // The datasets list links each dataset's runs, keeping the experiment.
    await open(`/datasets?${exp()}`);
    await page.getByRole('button', { name: 'Show the runs that used evals.cmp' }).click();
    await page.locator('a.chip', { hasText: 'candidate' }).waitFor();
    const hrefs = await page.locator('a[href^="/"]').evaluateAll((as) => as.map((x) => x.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => !/[?&]exp=/.test(h))).toEqual([]);
    await page.locator('a.chip', { hasText: 'candidate' }).click();
    await page.waitForURL(/\/evaluations\/[^/?]+\?/);
    expect(new URL(page.url()).searchParams.get('exp')).toBe(a.experimentId);
  });

  it('shows the overview dashboard with data', async () => {
    await open(`/overview?${exp()}&range=24h`);
    await page.locator('.metric', { hasText: 'Traces' }).locator('dd', { hasText: /\d/ }).waitFor();
    const api = (await call('GET', `/api/v1/experiments/${a.experimentId}/overview?start_time=${new Date(Date.now() - 86_400_000).toISOString()}`)).body;
    expect(api.totals.traces).toBeGreaterThanOrEqual(40);
    expect(await page.locator('.metric', { hasText: 'Traces' }).locator('dd').textContent()).toBe(api.totals.traces.toLocaleString('en-US'));
    const judgeCalls = api.judge.reduce((n: number, p: { judge_calls: number }) => n + p.judge_calls, 0);
    expect(judgeCalls).toBeGreaterThan(0);
    expect(await page.locator('.metric', { hasText: 'Judge calls' }).locator('dd').textContent()).toBe(judgeCalls.toLocaleString('en-US'));
    await expect.poll(() => page.locator('.panel canvas').count()).toBeGreaterThanOrEqual(7);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview');
  });

  it('creates a token, shown once with a copy button', async () => {
    await open(`/tokens?${exp()}`);
    await page.fill('#token-name', 'bad name!');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#token-error', { hasText: /^name: / }).waitFor();
    await page.fill('#token-name', 'console-admin');
    await page.selectOption('#token-role', 'admin');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.locator('#new-token').textContent();
    expect(token).toMatch(/^assay_/);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'tokens');
    // The token works, and is not shown again.
    const who = await a.call('GET', '/api/v1/whoami', undefined, { authorization: `Bearer ${token}` });
    expect(who.body).toMatchObject({ name: 'console-admin', role: 'admin' });
    const list = await a.call('GET', '/api/v1/tokens', undefined, { authorization: `Bearer ${token}` });
    expect(JSON.stringify(list.body)).not.toContain(token!);
  });
});
