/**
 * The console in a real browser when adding traces to a new dataset is refused: every trace matching
 * the filter holds more bytes of records than ASSAY_BODY_LIMIT_BYTES allows, so the merge gets a 400
 * naming `search`. The message stands beside the selection, and there is no dataset: the dialog creates
 * it with its records in one request, which the refusal undoes whole, so a retry with the same name is
 * not told the name is taken.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';

describe('web console: a refused merge into a new dataset', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let page: Page;

  beforeAll(async () => {
    // 120 traces (more than one page of 100, so "all matching" is offered), ingested a few at a time under a 16 KB limit.
    a = await startConsoleApp(120, { env: { ASSAY_BODY_LIMIT_BYTES: String(16 * 1024) }, ingestBatch: 4 });
    opened = await openPage();
    page = opened.page;
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  it('shows the merge error beside the selection and leaves no dataset behind', async () => {
    await page.goto(`${a.url}/traces?exp=${a.experimentId}`);
    const rows = page.locator('table.traces tbody tr[data-index]');
    await rows.first().waitFor();
    await rows.first().locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Select all matching the filter' }).click();
    await page.getByText('All traces matching the filter selected').waitFor();
    await page.getByRole('button', { name: 'Add to evaluation dataset' }).click();
    await page.getByLabel('New dataset').check();
    await page.fill('#dataset-name', 'evals.too_big');
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    await page.locator('#selection-error').waitFor();
    expect(await page.locator('#selection-error').textContent()).toMatch(/^search: the traces hold more than 16384 bytes of records \(ASSAY_BODY_LIMIT_BYTES\)/);
    expect(await page.locator('#selection-count').getAttribute('aria-describedby')).toBe('selection-error');
    expect(await page.locator('.dialog .success').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'add-to-dataset-refused');

    // One request, nothing to undo: the API does not know the dataset, and the list does not hold it.
    expect(writes).toEqual(['POST /api/v1/datasets']);
    const dataset = await a.call('GET', '/api/v1/datasets/evals.too_big');
    expect(dataset.status).toBe(404);
    const list = await a.call('GET', '/api/v1/datasets');
    expect(list.body.datasets.map((d: { name: string }) => d.name)).not.toContain('evals.too_big');
  });
});
