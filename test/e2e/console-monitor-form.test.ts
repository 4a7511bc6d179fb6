/**
 * The console in a real browser, on what a careful user notices: a monitor scorer's filter,
 * guidelines and custom instructions saved and read back (a bad filter's message beside its field),
 * the total beside a long trace list, links that keep the experiment (the second one, so a lost
 * experiment cannot hide behind the default), span types and a time axis on a trace, a score as
 * written, and the add-to-dataset dialog's counts. Every page is checked with axe-core.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTraces } from '../../src/samples/sample-traces.ts';
import type { Loose } from '../support/evaluation.ts';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';

describe('web console: monitor form, counts and links', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let page: Page;
  /** The second experiment: 150 traces, more than one page. */
  let exp: string;
  let traceIds: string[];

  beforeAll(async () => {
    a = await startConsoleApp(5);
    exp = (await a.call('POST', '/api/v1/experiments', { name: 'second-bot' })).body.experiment_id as string;
    const ingested = await a.call('POST', `/api/v1/experiments/${exp}/traces`, { traces: sampleTraces(150, { startMs: Date.now() - 20 * 60_000, seed: 'second' }) });
    expect(ingested.status).toBe(200);
    traceIds = ingested.body.trace_ids as string[];
    opened = await openPage();
    page = opened.page;
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  const open = (path: string) => page.goto(`${a.url}${path}`);
  /** The experiment in the page's URL, written plainly (`exp=2`). */
  const urlExp = () => new URL(page.url()).searchParams.get('exp');
  const monitor = async () => (await a.call('GET', `/api/v1/experiments/${exp}/monitor`)).body as Record<string, Loose>;

  it('saves a scorer’s filter, guidelines and custom instructions, and shows them after a reload', async () => {
    expect((await a.call('PUT', `/api/v1/experiments/${exp}/monitor`, { results_schema: 'form_results', scorers: [{ name: 'safety' }] })).status).toBe(201);
    await open(`/monitor?exp=${exp}`);
    await page.getByRole('heading', { name: /version 1/ }).waitFor();
    for (const scorer of ['guidelines', 'custom_judge']) {
      await page.selectOption('#add-scorer', scorer);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
    }
    await page.fill('#scorer-0-filter', "tags.sample_kind != 'unsafe'");
    await page.fill('#scorer-1-guidelines', 'Answer only from the documentation.\nNever promise a refund.');
    await page.fill('#scorer-2-instructions', 'Does {{ outputs }} answer {{ inputs }} politely?');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: /version 2/ }).waitFor();

    expect((await monitor()).config).toMatchObject({
      scorers: [
        { name: 'safety', filter_string: "tags.sample_kind != 'unsafe'" },
        { name: 'guidelines', guidelines: ['Answer only from the documentation.', 'Never promise a refund.'] },
        { name: 'custom_judge', instructions: 'Does {{ outputs }} answer {{ inputs }} politely?' },
      ],
    });
    await page.reload();
    await page.getByRole('heading', { name: /version 2/ }).waitFor();
    expect(await page.inputValue('#scorer-0-filter')).toBe("tags.sample_kind != 'unsafe'");
    expect(await page.inputValue('#scorer-1-guidelines')).toBe('Answer only from the documentation.\nNever promise a refund.');
    expect(await page.inputValue('#scorer-2-instructions')).toBe('Does {{ outputs }} answer {{ inputs }} politely?');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monitor-scorer-fields');
  });

  it('shows a bad scorer filter’s message, naming the field, beside that field and saves nothing', async () => {
    await open(`/monitor?exp=${exp}`);
    await page.getByRole('heading', { name: /version 2/ }).waitFor();
    const bad = "tags.env = 'a' OR tags.env = 'b'";
    await page.fill('#scorer-0-filter', bad);
    await page.fill('#scorer-2-instructions', 'no template variables here');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const filterError = page.locator('#scorer-0-filter-error');
    await filterError.waitFor();
    // The API's own problems, each beside its field, whole (the filter's reason holds a "; ").
    const current = await a.t.app.inject({ method: 'GET', url: `/api/v1/experiments/${exp}/monitor` });
    const refused = await a.t.app.inject({
      method: 'PUT', url: `/api/v1/experiments/${exp}/monitor`, headers: { 'if-match': current.headers.etag as string },
      payload: { ...current.json().config, scorers: [{ name: 'safety', filter_string: bad }, current.json().config.scorers[1], { name: 'custom_judge', instructions: 'no template variables here' }] },
    });
    const problems = refused.json().details.problems as string[];
    expect(await filterError.textContent()).toBe(problems.find((p) => p.startsWith('scorers[0].filter_string: ')));
    expect(await filterError.textContent()).toMatch(/^scorers\[0\]\.filter_string: .*OR/);
    expect(await page.getAttribute('#scorer-0-filter', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#scorer-0-filter', 'aria-describedby')).toBe('scorer-0-filter-error');
    expect(await page.locator('#scorer-2-instructions-error').textContent()).toMatch(/^scorers\[2\]\.instructions: /);
    // Beside the field: right under the filter input, in the safety scorer's group.
    const field = await page.locator('#scorer-0-filter').boundingBox();
    const message = await filterError.boundingBox();
    expect(message!.y - (field!.y + field!.height)).toBeLessThan(20);
    expect(Math.abs(message!.x - field!.x)).toBeLessThan(4);
    expect((await monitor()).version).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monitor-scorer-filter-error');
  });

  it('gives the total of a long trace list, pages it by cursor, and gives no total for a filter the server refused', async () => {
    const searches: Array<Record<string, unknown>> = [];
    const onRequest = (r: { url(): string; postDataJSON(): unknown }) => {
      if (new URL(r.url()).pathname === '/api/v1/traces/search') searches.push(r.postDataJSON() as Record<string, unknown>);
    };
    page.on('request', onRequest);
    await open(`/traces?exp=${exp}`);
    await page.locator('table.traces tbody tr[data-index]').first().waitFor();
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('150 traces');
    // Scrolling to the end loads the next page with the cursor the first one answered.
    await expect.poll(async () => {
      await page.locator('.table-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
      return page.locator('table.traces tr[data-index="149"]').count();
    }).toBe(1);
    page.off('request', onRequest);
    expect(searches).toHaveLength(2);
    expect(searches[0]!.page_token).toBeUndefined();
    expect(searches[1]!.page_token).toEqual(expect.any(String));
    expect(await page.locator('table.traces tr[data-index="150"]').count()).toBe(0);
    await page.fill('#filter', "tags.env = 'a' OR tags.env = 'b'");
    await page.press('#filter', 'Enter');
    await page.locator('#filter-error').waitFor();
    expect(await page.locator('.trace-count').count()).toBe(0);
    expect(await page.getByText(/\b0 traces/).count()).toBe(0);
  });

  it('keeps the experiment on every link from page to page', async () => {
    await a.call('POST', '/api/v1/datasets', { name: 'evals.second', experiment_ids: [exp] });
    await open(`/traces?exp=${exp}`);
    await page.locator('table.traces tbody tr[data-index]').first().click();
    await page.waitForURL(/\/traces\/tr-/);
    expect(urlExp()).toBe(exp);
    await page.getByRole('link', { name: '← Traces' }).click();
    await page.waitForURL(/\/traces\?/);
    expect(urlExp()).toBe(exp);
    for (const name of ['Overview', 'Sessions', 'Datasets', 'Labeling', 'Judge agreement', 'Evaluations', 'Monitor', 'Traces']) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
      await expect.poll(urlExp).toBe(exp);
    }
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.getByRole('link', { name: 'evals.second' }).click();
    await page.waitForURL(/\/datasets\/evals\.second/);
    expect(urlExp()).toBe(exp);
    await page.getByRole('link', { name: '← Datasets' }).click();
    await page.waitForURL(/\/datasets\?/);
    expect(urlExp()).toBe(exp);
    // Every in-console link on the pages visited carries it.
    const hrefs = await page.locator('a[href^="/"]').evaluateAll((as) => as.map((x) => x.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => !/[?&]exp=/.test(h))).toEqual([]);
  });

  it('names span types, draws the waterfall’s time axis and writes a score as 0.7', async () => {
    const traceId = traceIds[0]!;
    expect((await a.call('POST', `/api/v1/traces/${traceId}/assessments`, { assessment_name: 'quality', feedback: { value: 0.7 }, source: { source_type: 'HUMAN', source_id: 'me' } })).status).toBe(201);
    await open(`/traces/${traceId}?exp=${exp}`);
    await page.locator('.span-row').first().waitFor();
    const types = await page.locator('.span-row .span-type').allTextContents();
    expect(types).toEqual(expect.arrayContaining(['Agent']));
    expect(types.every((t) => t.length > 3 || t === 'LLM' || t === 'Tool')).toBe(true);
    const ticks = await page.locator('.waterfall-axis .axis-tick').allTextContents();
    expect(ticks[0]).toBe('0');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.slice(1).every((t) => /^\d+(\.\d+)? (ms|s)$/.test(t))).toBe(true);
    expect(await page.locator('.assessment', { hasText: 'quality' }).locator('.chip').textContent()).toBe('0.7');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'trace-axis');
  });

  it('adds to a dataset with its counts, and offers the existing datasets while they load', async () => {
    // Hold the dataset list: the choice of an existing dataset stays available meanwhile.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/api/v1/datasets?*', async (route) => { await held; await route.continue(); });
    await open(`/traces?exp=${exp}`);
    const rows = page.locator('table.traces tbody tr[data-index]');
    await rows.first().waitFor();
    for (const i of [0, 1]) await rows.nth(i).locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Add to evaluation dataset' }).click();
    await page.locator('#dataset-existing option', { hasText: 'Loading datasets…' }).waitFor({ state: 'attached' });
    expect(await page.getByRole('radio', { name: 'Existing dataset' }).isEnabled()).toBe(true);
    release();
    await page.locator('#dataset-existing option', { hasText: 'evals.second' }).waitFor({ state: 'attached' });
    await page.unroute('**/api/v1/datasets?*');
    await page.selectOption('#dataset-existing', 'evals.second');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.dialog .success').waitFor();
    expect(await page.locator('.dialog .success').textContent()).toMatch(/^Read 2 traces: added \d records? and merged \d into evals\.second \(version \d+\)\.$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'add-to-dataset-counts');
    await page.getByRole('button', { name: 'Close' }).click();

    // Every trace matching a filter: the dialog says how many before anything is added.
    await page.fill('#filter', "tags.sample_kind = 'unsafe'");
    await page.press('#filter', 'Enter');
    const matching = await a.call('POST', '/api/v1/traces/count', { experiment_ids: [exp], filter_string: "tags.sample_kind = 'unsafe'" });
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe(`${matching.body.count} traces`);
    await rows.first().locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Add to evaluation dataset' }).click();
    await expect.poll(() => page.locator('.dialog p.muted').first().textContent()).toContain('1 selected trace ');
  });

  it('adds every trace matching the filter within the time range to a new dataset', async () => {
    // Three traces from three days ago: outside "Last 24 hours", so not added.
    const old = await a.call('POST', `/api/v1/experiments/${exp}/traces`, { traces: sampleTraces(3, { startMs: Date.now() - 3 * 86_400_000, seed: 'old' }) });
    expect(old.status).toBe(200);
    await open(`/traces?exp=${exp}&range=24h`);
    const rows = page.locator('table.traces tbody tr[data-index]');
    await rows.first().waitFor();
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('150 traces');
    await rows.first().locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Select all matching the filter' }).click();
    await page.getByText('All traces matching the filter selected').waitFor();
    await page.getByRole('button', { name: 'Add to evaluation dataset' }).click();
    await expect.poll(() => page.locator('.dialog p.muted').first().textContent()).toContain('all 150 traces matching the filter');
    await page.getByLabel('New dataset').check();
    await page.fill('#dataset-name', 'evals.recent');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.dialog .success').waitFor();
    expect(await page.locator('.dialog .success').textContent()).toMatch(/^Read 150 traces: added \d+ records? and merged \d+ into evals\.recent \(version 1\)\. Traces with the same inputs make one record\.$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'add-all-matching');
  });

  it('switches experiment and time range from the top bar, the URL keeping both', async () => {
    // From a trace of one experiment, another experiment opens on its list.
    await open(`/traces/${traceIds[0]}?exp=${exp}`);
    await page.locator('.span-row').first().waitFor();
    await page.selectOption('#experiment', a.experimentId);
    await page.waitForURL((u) => u.pathname === '/traces' && u.searchParams.get('exp') === a.experimentId);
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('5 traces');
    await page.selectOption('#experiment', exp);
    // 150 recent traces and the 3 from three days ago.
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('153 traces');
    await page.selectOption('#range', '1h');
    await page.waitForURL(/range=1h/);
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('150 traces');
    await page.reload();
    await expect.poll(() => page.locator('.trace-count').textContent()).toBe('150 traces');
    expect(await page.inputValue('#range')).toBe('1h');
    expect(await page.inputValue('#experiment')).toBe(exp);
    await page.selectOption('#range', 'custom');
    await page.locator('#range-from').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'traces-range');
  });

  it('reads a chat model span as messages with its tool calls, with its status and events', async () => {
    const hex = 'c4'.repeat(16);
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const ns = (ms: number) => (start + BigInt(ms) * 1_000_000n).toString();
    const span = (id: string, parent: string | null, name: string, type: string, from: number, to: number, extra: Record<string, unknown>) => ({
      trace_id: hex, span_id: id, parent_span_id: parent, name, start_time_unix_nano: ns(from), end_time_unix_nano: ns(to), events: [],
      status: { code: 'STATUS_CODE_OK', message: '' }, ...extra,
      attributes: { 'mlflow.spanType': JSON.stringify(type), ...(extra.attributes as object) },
    });
    const trace = {
      info: { trace_id: `tr-${hex}`, request_time: new Date(Date.now() - 60_000).toISOString(), execution_duration_ms: 400, state: 'ERROR', trace_metadata: {}, tags: {}, assessments: [] },
      data: {
        spans: [
          span('00000000000000a1', null, 'support_agent', 'AGENT', 0, 400, { attributes: { 'mlflow.spanInputs': JSON.stringify({ question: 'Where is my order A17?' }) } }),
          span('00000000000000a2', '00000000000000a1', 'plan_tool_call', 'CHAT_MODEL', 10, 300, {
            status: { code: 'STATUS_CODE_ERROR', message: 'rate limited once' },
            events: [{ name: 'retry', time_unix_nano: ns(150), attributes: { attempt: 2 } }],
            attributes: {
              'mlflow.spanInputs': JSON.stringify({ messages: [{ role: 'system', content: 'You help with orders.' }, { role: 'user', content: 'Where is my order A17?' }] }),
              'mlflow.spanOutputs': JSON.stringify({ choices: [{ message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A17"}' } }] } }] }),
            },
          }),
        ],
      },
    };
    const ingested = await a.call('POST', `/api/v1/experiments/${a.experimentId}/traces`, trace);
    expect(ingested.status, JSON.stringify(ingested.body)).toBe(200);
    await open(`/traces/tr-${hex}?exp=${a.experimentId}`);
    await page.locator('.span-row', { hasText: 'plan_tool_call' }).click();
    await expect.poll(() => page.locator('#span-title').textContent()).toBe('plan_tool_call');
    expect(await page.locator('.span-detail .chat .msg-system .content').textContent()).toBe('You help with orders.');
    expect(await page.locator('.span-detail .chat .msg-user .content').textContent()).toBe('Where is my order A17?');
    expect(await page.locator('.span-detail .chat .msg-assistant .tool-call').textContent()).toBe('lookup_order({"order_id":"A17"})');
    expect(await page.locator('.span-detail .facts').textContent()).toContain('ERROR: rate limited once');
    expect(await page.locator('.span-detail .json-view', { hasText: 'retry' }).count()).toBe(1);
    expect(await page.locator('.span-row.error', { hasText: 'plan_tool_call' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'trace-tool-calls');
  });
});
