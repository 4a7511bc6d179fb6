/**
 * The web console in a real browser against a real Assay: traces with a filter (and a bad one),
 * a trace's spans and retrieved documents, human feedback and an override, adding traces to a new
 * dataset, editing a monitor (and the stale-edit conflict), running it and seeing the run and its
 * chart, and sign-in once tokens exist. Every page is checked with axe-core.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';
import type { Loose } from '../support/evaluation.ts';
import { PACKAGE_VERSION } from '../support/spawn-assay.ts';

describe('web console', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    a = await startConsoleApp(40);
    // A judge's verdicts on a few traces, so the table has a feedback column.
    for (const [i, value] of [[0, 'no'], [1, 'yes'], [2, 'yes']] as const) {
      const r = await a.call('POST', `/api/v1/traces/${a.traceIds[i]}/assessments`, {
        assessment_name: 'safety', feedback: { value }, rationale: 'judge said so',
        source: { source_type: 'LLM_JUDGE', source_id: 'fake-judge' },
      });
      expect(r.status).toBe(201);
    }
    // A judge call that failed, written by a monitor run: marked as an error in the table and the trace.
    const failed = await a.call('POST', `/api/v1/traces/${a.traceIds[0]}/assessments`, {
      assessment_name: 'groundedness', feedback: { value: null, error: { error_code: 'RATE_LIMITED', error_message: 'the judge answered 429' } },
      source: { source_type: 'LLM_JUDGE', source_id: 'fake-judge' },
      metadata: { 'assay.monitor.run_id': 'run-4f2a9c1e-0000', 'assay.judge.model': 'judge-model-x' },
    });
    expect(failed.status, JSON.stringify(failed.body)).toBe(201);
    opened = await openPage();
    browser = opened.browser;
    page = opened.page;
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  const open = (path: string) => page.goto(`${a.url}${path}`);
  const rows = () => page.locator('table.traces tbody tr[data-index]');

  it('lists traces with their feedback and filters them with the filter language', async () => {
    // The page of traces and all their feedback columns come from one request, none per row.
    const requests: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/')) requests.push(`${r.method()} ${path}`);
    };
    page.on('request', onRequest);
    await open(`/traces?exp=${a.experimentId}`);
    await rows().first().waitFor();
    await page.getByText('40 traces').waitFor();
    // The top bar says which Assay answers.
    expect(await page.locator('.topbar .version').textContent()).toBe(`v${PACKAGE_VERSION}`);
    await expect.poll(() => page.locator('th', { hasText: 'groundedness' }).count()).toBe(1);
    page.off('request', onRequest);
    expect(requests.filter((r) => r === 'POST /api/v1/traces/search')).toHaveLength(1);
    expect(requests.filter((r) => /\/api\/v1\/traces\/tr-/.test(r))).toEqual([]);
    // The failed judge call is marked as an error, not shown as a verdict; sorting brings it to the top.
    await page.getByRole('button', { name: 'groundedness' }).click();
    await expect.poll(() => rows().first().locator('.chip-error').count()).toBe(1);
    expect(await page.locator('.chip-error').count()).toBe(1);
    expect(await rows().first().locator('.chip-error').getAttribute('title')).toBe('RATE_LIMITED: the judge answered 429');
    // Only the rows in view are in the page.
    expect(await rows().count()).toBeLessThan(40);
    await expect.poll(() => page.locator('th', { hasText: 'safety' }).count()).toBe(1);
    // Sorting by a feedback column brings the failing verdict to the top.
    await page.getByRole('button', { name: 'safety' }).click();
    await expect.poll(() => rows().first().locator('.chip-fail').count()).toBe(1);
    expect(await page.getAttribute('th[aria-sort=ascending]', 'class')).toBe('feedback-col');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'traces');

    await page.fill('#filter', "tags.sample_kind = 'unsafe'");
    await page.press('#filter', 'Enter');
    const expected = await a.call('POST', '/api/v1/traces/search', { experiment_ids: [a.experimentId], filter_string: "tags.sample_kind = 'unsafe'" });
    await expect.poll(() => rows().count()).toBe(expected.body.traces.length);
    expect(expected.body.traces.length).toBeGreaterThan(0);
    expect(expected.body.traces.length).toBeLessThan(40);
    expect(page.url()).toContain('filter=');

    // The link reopens the same view.
    await page.reload();
    await expect.poll(() => rows().count()).toBe(expected.body.traces.length);
    expect(await page.inputValue('#filter')).toBe("tags.sample_kind = 'unsafe'");
  });

  it('shows the server’s message in place for a filter that does not parse', async () => {
    await open(`/traces?exp=${a.experimentId}`);
    await page.fill('#filter', "tags.env = 'a' OR tags.env = 'b'");
    await page.press('#filter', 'Enter');
    const error = page.locator('#filter-error');
    await error.waitFor();
    const api = await a.call('POST', '/api/v1/traces/search', { experiment_ids: [a.experimentId], filter_string: "tags.env = 'a' OR tags.env = 'b'" });
    expect(api.status).toBe(400);
    expect(await error.textContent()).toBe(api.body.message);
    expect(await page.getAttribute('#filter', 'aria-invalid')).toBe('true');
    // Nothing matched: no "0 traces" beside a filter the server refused.
    expect(await page.locator('.trace-count').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'traces-bad-filter');
  });

  it('opens a trace from the keyboard and shows its spans and retrieved documents', async () => {
    await open(`/traces?exp=${a.experimentId}`);
    await rows().first().focus();
    await page.keyboard.press('ArrowDown');
    const second = await rows().nth(1).getAttribute('data-index');
    expect(second).toBe('1');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/traces\/tr-/);
    await page.locator('.span-row').first().waitFor();
    expect(await page.locator('.trace-title').textContent()).toBe(await rows().count().then(() => page.url().match(/traces\/(tr-[^?]+)/)?.[1]));

    // A trace that retrieved documents.
    const withDocs = await a.call('POST', '/api/v1/traces/search', { experiment_ids: [a.experimentId], filter_string: "tags.sample_kind != 'no_retrieval'", max_results: 1 });
    await open(`/traces/${withDocs.body.traces[0].trace_id}?exp=${a.experimentId}`);
    await page.locator('.span-row').first().waitFor();
    expect(await page.locator('.span-row .span-name').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('answer_question'), expect.stringContaining('search_docs')]));
    // The root span's chat: the user's question as a message.
    expect(await page.locator('.chat .msg-user').count()).toBeGreaterThan(0);
    await page.locator('.span-row', { hasText: 'search_docs' }).click();
    await page.locator('.documents .document').first().waitFor();
    expect(await page.locator('.documents .doc-head').first().textContent()).toMatch(/docs\/|https?:|\.md/);
    expect(page.url()).toContain('span=');
    expect(await page.locator('.span-detail table.kv', { hasText: 'mlflow.spanType' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'trace-retriever');
    // The raw span as JSON, and back.
    await page.getByLabel('Raw JSON').check();
    await page.locator('.span-detail .json-view', { hasText: 'span_id' }).waitFor();
    expect(await page.locator('.span-detail .documents').count()).toBe(0);
    await page.getByLabel('Raw JSON').uncheck();
    await page.locator('.documents .document').first().waitFor();
    // By keyboard: ↓ moves to the next span and shows it.
    await page.locator('.span-row', { hasText: 'search_docs' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('#span-title').textContent()).toBe('chat');
    expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('chat');
  });

  it('adds human feedback and overrides a judge, as the API then shows', async () => {
    const traceId = a.traceIds[0]!;
    await open(`/traces/${traceId}?exp=${a.experimentId}`);
    await page.locator('#fb-name').waitFor();
    // The failed judge call: its error, the judge's model and the monitor run that wrote it.
    const failed = page.locator('.assessment', { hasText: 'groundedness' });
    expect(await failed.locator('.field-error').textContent()).toBe('RATE_LIMITED: the judge answered 429');
    expect(await failed.locator('.meta').textContent()).toMatch(/^Judge · judge-model-x · .+ · run run-4f2a$/);
    await page.fill('#fb-name', 'correctness');
    await page.getByLabel('no', { exact: true }).check();
    await page.fill('#fb-rationale', 'cites the wrong policy');
    await page.getByRole('button', { name: 'Add feedback' }).click();
    await page.locator('.assessment', { hasText: 'cites the wrong policy' }).waitFor();

    await page.locator('.assessment', { hasText: 'judge said so' }).getByRole('button', { name: 'Override' }).click();
    await page.getByLabel('yes', { exact: true }).check();
    await page.fill('#fb-rationale', 'a person checked: it is safe');
    await page.getByRole('button', { name: 'Save override' }).click();
    await page.locator('.assessment', { hasText: 'a person checked' }).waitFor();
    await page.locator('.assessment.invalid', { hasText: 'judge said so' }).waitFor();

    const trace = await a.call('GET', `/api/v1/traces/${traceId}`);
    const all = trace.body.info.assessments as Array<Record<string, Loose>>;
    const human = all.find((x) => x.assessment_name === 'correctness');
    expect(human).toMatchObject({ feedback: { value: 'no' }, rationale: 'cites the wrong policy', source: { source_type: 'HUMAN' }, valid: true });
    const judged = all.find((x) => x.rationale === 'judge said so');
    const override = all.find((x) => x.rationale === 'a person checked: it is safe');
    expect(judged?.valid).toBe(false);
    expect(override).toMatchObject({ feedback: { value: 'yes' }, overrides: judged?.assessment_id, valid: true });

    // A number, and expectations: the facts one per line.
    await page.fill('#fb-name', 'helpfulness');
    await page.getByLabel('Number', { exact: true }).check();
    await page.fill('#fb-number', '0.25');
    await page.getByRole('button', { name: 'Add feedback' }).click();
    await page.locator('.assessment', { hasText: 'helpfulness' }).locator('.chip', { hasText: '0.25' }).waitFor();
    await page.selectOption('#ex-name', 'expected_facts');
    await page.fill('#ex-value', 'keys rotate under Settings\nold keys stop working after 24 hours');
    await page.getByRole('button', { name: 'Add expectation' }).click();
    await page.locator('.assessment', { hasText: 'expected_facts' }).waitFor();
    const after = (await a.call('GET', `/api/v1/traces/${traceId}`)).body.info.assessments as Array<Record<string, Loose>>;
    expect(after.find((x) => x.assessment_name === 'helpfulness')).toMatchObject({ feedback: { value: 0.25 }, source: { source_type: 'HUMAN' } });
    expect(after.find((x) => x.assessment_name === 'expected_facts')).toMatchObject({
      expectation: { value: ['keys rotate under Settings', 'old keys stop working after 24 hours'] }, source: { source_type: 'HUMAN' },
    });
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('.assessments').evaluate((el) => { el.scrollTop = 0; });
    await screenshot(page, 'trace-feedback');
  });

  it('adds selected traces to a new evaluation dataset', async () => {
    await open(`/traces?exp=${a.experimentId}`);
    await rows().first().waitFor();
    const picked: string[] = [];
    for (const i of [0, 1, 2]) {
      const row = rows().nth(i);
      await row.locator('input[type=checkbox]').check();
      picked.push(String(await row.locator('input[type=checkbox]').getAttribute('aria-label')).replace('Select trace ', ''));
    }
    await page.getByRole('button', { name: 'Add to evaluation dataset' }).click();
    await page.getByLabel('New dataset').check();
    await page.fill('#dataset-name', 'not a name');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('#dataset-name-error').waitFor();
    expect(await page.locator('#dataset-name-error').textContent()).toMatch(/^name: /);
    await page.fill('#dataset-name', 'evals.picked');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.dialog .success').waitFor();
    expect(await page.locator('.dialog .success').textContent()).toContain('Read 3 traces: added 3 records');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'add-to-dataset');
    const records = await a.call('GET', '/api/v1/datasets/evals.picked/records');
    expect(records.status).toBe(200);
    expect(records.body.records.map((r: { source?: { trace_id?: string } }) => r).length).toBe(3);
  });

  it('creates and edits a monitor, reports a stale edit, runs it and shows the run and the chart', async () => {
    await open(`/monitor?exp=${a.experimentId}`);
    await page.getByRole('button', { name: 'Create monitor' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill('#results-schema', 'console_results');
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.getByRole('heading', { name: /version 1/ }).waitFor();

    // Bad input: the API's message next to the field, nothing saved.
    await page.fill('#interval', '0');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.field-error', { hasText: 'interval_minutes' }).waitFor();
    expect((await a.call('GET', `/api/v1/experiments/${a.experimentId}/monitor`)).body.version).toBe(1);
    await page.fill('#interval', '30');

    // Someone else saves meanwhile.
    const current = await a.t.app.inject({ method: 'GET', url: `/api/v1/experiments/${a.experimentId}/monitor` });
    const concurrent = await a.t.app.inject({
      method: 'PUT', url: `/api/v1/experiments/${a.experimentId}/monitor`, headers: { 'if-match': current.headers.etag as string },
      payload: { ...current.json().config, interval_minutes: 60 },
    });
    expect(concurrent.statusCode).toBe(200);
    await page.locator('#scorer-0-rate').fill('0.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('This monitor changed since you opened it').waitFor();
    await screenshot(page, 'monitor-conflict');
    expect((await a.call('GET', `/api/v1/experiments/${a.experimentId}/monitor`)).body.config.interval_minutes).toBe(60);

    await page.getByRole('button', { name: 'Load the current version' }).click();
    await page.getByRole('heading', { name: /version 2/ }).waitFor();
    await page.locator('#scorer-0-rate').fill('0.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: /version 3/ }).waitFor();
    const saved = await a.call('GET', `/api/v1/experiments/${a.experimentId}/monitor`);
    expect(saved.body.config).toMatchObject({ interval_minutes: 60, scorers: [{ name: 'safety', sample_rate: 0.5 }] });

    // Preflight: the scorers as edited, on the latest traces, nothing written.
    await page.getByRole('button', { name: 'Test on the latest 20 traces' }).click();
    await page.locator('section', { hasText: 'Preflight' }).locator('tbody tr', { hasText: 'safety' }).waitFor();
    expect(await page.locator('section', { hasText: 'Preflight' }).locator('.samples .chip').count()).toBeGreaterThan(0);

    // Backfill shows its estimate before anything starts.
    const hourAgo = new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    const now = new Date(Date.now() + 60_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.fill('#bf-start', hourAgo);
    await page.fill('#bf-end', now);
    await page.getByRole('button', { name: 'Estimate' }).click();
    await page.locator('.estimate').waitFor();
    expect(await page.locator('.estimate').textContent()).toMatch(/\d+ traces, \d+ judge calls/);
    await page.reload();

    // New traffic after the monitor was created: the next run judges it.
    const fresh = sampleTraces(30, { seed: 'after-monitor', startMs: Date.now() - 60_000 });
    expect((await a.call('POST', `/api/v1/experiments/${a.experimentId}/traces`, { traces: fresh })).status).toBe(200);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.runs .status-succeeded').waitFor({ timeout: 60_000 });
    await page.locator('.trend canvas').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('.trend figcaption', { hasText: 'safety' }).textContent()).toMatch(/^safety \d+\.\d% pass on \d+ traces? \(latest\)$/);
    // A scorer whose only call failed says so rather than showing a rate.
    expect(await page.locator('.trend figcaption', { hasText: 'groundedness' }).textContent()).toBe('groundedness no verdict, 1 failed judge call (latest)');
    expect(await page.locator('.sql code').textContent()).toContain(`console_results".assessment_logs_${a.experimentId}`);
    const runs = await a.call('GET', `/api/v1/experiments/${a.experimentId}/monitor/runs`);
    expect(runs.body.runs[0].status).toBe('succeeded');
    expect(await page.locator(`tr[data-run="${runs.body.runs[0].run_id}"]`).count()).toBe(1);
    // Every column of the run history is in the window, none cut off.
    const lastHeader = await page.locator('table.runs th').last().boundingBox();
    expect(lastHeader!.x + lastHeader!.width).toBeLessThanOrEqual(1440);
    expect(await page.locator('table.runs').evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monitor');
    const monitorUrl = `/api/v1/experiments/${a.experimentId}/monitor`;

    // The config as JSON: an edit there is saved the same way.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = JSON.parse(await page.inputValue('#config-json')) as Record<string, Loose>;
    expect(json).toMatchObject({ interval_minutes: 60, scorers: [{ name: 'safety', sample_rate: 0.5 }] });
    await page.fill('#config-json', JSON.stringify({ ...json, interval_minutes: 45 }, null, 2));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: /version 4/ }).waitFor();
    expect((await a.call('GET', monitorUrl)).body.config.interval_minutes).toBe(45);

    // Per hour: the chart and the SQL beside it both change bucket, and the URL keeps it.
    await page.getByRole('radio', { name: 'Per hour' }).click();
    await page.waitForURL(/bucket=hour/);
    await expect.poll(() => page.locator('.sql code').textContent()).toContain("date_trunc('hour', request_time, 'UTC')");
    await page.locator('.trend canvas').first().waitFor();
    await screenshot(page, 'monitor-hourly');

    // A backfill starts only when confirmed after its estimate, and shows in the history.
    await page.fill('#bf-start', hourAgo);
    await page.fill('#bf-end', now);
    await page.getByRole('button', { name: 'Estimate' }).click();
    await page.getByRole('button', { name: 'Start backfill' }).click();
    await page.getByText('Backfill started.').waitFor();
    await page.locator('.runs tr', { hasText: 'backfill' }).locator('.status-succeeded').waitFor({ timeout: 60_000 });

    // A time range with no runs: the history, the chart and the SQL follow it.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await a.call('GET', `${monitorUrl}/runs?start_time=${later}`)).body.runs).toEqual([]);
    const badRange = await a.call('GET', `${monitorUrl}/runs?start_time=yesterday`);
    expect(badRange.status).toBe(400);
    expect(badRange.body.message).toMatch(/^start_time: /);
    await open(`/monitor?exp=${a.experimentId}&range=custom&from=1000&to=2000`);
    await page.getByText('No runs started in this time range.').waitFor();
    await page.getByText(/^No scores on traces of this time range/).waitFor();
    expect(await page.locator('.sql code').textContent()).toContain("request_time >= timestamptz '1970-01-01T00:00:01.000Z'");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monitor-empty-range');
  });

  it('asks for a token once tokens exist and shows only what the role may do', async () => {
    const reader = await a.t.tokenHeaders('reader', 'viewer');
    const token = reader.authorization!.replace('Bearer ', '');
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await fresh.goto(`${a.url}/traces?exp=${a.experimentId}`);
    await fresh.locator('#token').waitFor();
    expect(await seriousViolations(fresh)).toEqual([]);
    await screenshot(fresh, 'sign-in');
    await fresh.fill('#token', 'wrong');
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.locator('#token-error').waitFor();
    await fresh.fill('#token', token);
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.locator('table.traces tbody tr[data-index]').first().waitFor();
    // A reader cannot select rows to add to a dataset.
    expect(await fresh.locator('table.traces input[type=checkbox]').count()).toBe(0);
    // Nor add feedback, nor edit or run the monitor: the pages show what it may read.
    await fresh.goto(`${a.url}/traces/${a.traceIds[0]}?exp=${a.experimentId}`);
    await fresh.locator('.assessment').first().waitFor();
    expect(await fresh.locator('#fb-name').count()).toBe(0);
    expect(await fresh.getByRole('button', { name: 'Override' }).count()).toBe(0);
    await fresh.goto(`${a.url}/monitor?exp=${a.experimentId}`);
    await fresh.getByRole('heading', { name: /^Configuration · version/ }).waitFor();
    expect(await fresh.getByRole('button', { name: /^(Save|Run now|Estimate|Test on the latest 20 traces|Remove|Add)$/ }).count()).toBe(0);
    // The config as the same form, read only, not as raw JSON.
    expect(await fresh.inputValue('#interval')).toBe('45');
    expect(await fresh.locator('#interval').isDisabled()).toBe(true);
    await fresh.locator('table.runs tbody tr').first().waitFor();
    // The token is kept for this tab's session only, never in localStorage.
    expect(await fresh.evaluate(() => Object.keys(sessionStorage))).toContain('assay.token');
    expect(await fresh.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(await seriousViolations(fresh)).toEqual([]);
    await screenshot(fresh, 'monitor-reader');
    await fresh.close();
  });
});
