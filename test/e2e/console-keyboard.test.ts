/**
 * The dataset page and the overview by keyboard alone, in a real browser against a real Assay:
 * tab order through the toolbar, a CSV import started with Enter that shows its progress batch by
 * batch, the record editor opened with Enter (focus in its first field), saved with Ctrl+Enter and
 * closed with Escape (focus back where it was), and the overview's hint shown once. axe-core on
 * every page.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileChooser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from '../support/evaluation.ts';
import { openPage, screenshot, seriousViolations, type OpenPage } from './browser.ts';
import { startConsoleApp, type ConsoleApp } from './console-app.ts';

const ROWS = 2_500;

/** What has focus, as a person would name it: the element's label, text or id. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '';
    return el.getAttribute('aria-label') ?? (el.id ? `#${el.id}` : (el.textContent ?? '').trim().slice(0, 40));
  });

/** Presses Tab until `name` has focus; returns the names passed on the way. */
async function tabTo(page: Page, name: string, max = 40): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    seen.push(now);
    if (now === name) return seen;
  }
  throw new Error(`${name} not reached by Tab; focus went through ${seen.join(' → ')}`);
}

describe('web console by keyboard', () => {
  let a: ConsoleApp;
  let opened: OpenPage | undefined;
  let page: Page;
  // Listening from the start: file chooser interception must be on before the key that opens one.
  const choosers: FileChooser[] = [];
  const call = (method: 'GET' | 'POST', url: string, body?: unknown) => a.call(method, url, body) as Promise<{ status: number; body: Record<string, Loose> }>;

  beforeAll(async () => {
    a = await startConsoleApp(20);
    opened = await openPage();
    page = opened.page;
    page.on('filechooser', (c) => choosers.push(c));
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    await a?.close();
  });

  it('imports a CSV file with progress, started from the keyboard', async () => {
    expect((await call('POST', '/api/v1/datasets', { name: 'kb.csv' })).status).toBe(201);
    const dir = await mkdtemp(join(tmpdir(), 'assay-csv-'));
    const file = join(dir, 'golden.csv');
    const lines = ['inputs.question,expectations,tags'];
    for (let i = 0; i < ROWS; i++) {
      // Quoted cells with commas, doubled quotes and (on one row) a line break.
      const question = i === 7 ? '"How do I, on two lines,\nreset it?"' : `"Question ${i}, about ""feature ${i % 40}"""`;
      lines.push(`${question},"{""expected_response"": ""Answer ${i}""}","{""topic"": ""t${i % 5}""}"`);
    }
    await writeFile(file, `${lines.join('\r\n')}\r\n`);

    await page.goto(`${a.url}/datasets/kb.csv?exp=${a.experimentId}`);
    await page.getByText('0 records').first().waitFor();
    // Every status line the import writes, as it writes it.
    await page.evaluate(() => {
      const w = window as unknown as { statuses: string[] };
      w.statuses = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[role=status]')) {
          const text = (el.textContent ?? '').trim();
          if (text && w.statuses.at(-1) !== text) w.statuses.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    // Tab order through the toolbar: search, its button, add, import, export.
    const path = await tabTo(page, 'Import file…');
    expect(path.slice(path.indexOf('#record-search'))).toEqual(['#record-search', 'Search', 'Add record', 'Import file…']);
    await page.keyboard.press('Enter');
    await expect.poll(() => choosers.length).toBe(1);
    await choosers[0]!.setFiles(file);
    await page.locator('.success', { hasText: `Imported ${ROWS}: ${ROWS} added, 0 merged` }).waitFor({ timeout: 60_000 });
    await rm(dir, { recursive: true, force: true });
    const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    // Progress batch by batch, then the summary.
    expect(statuses).toEqual(expect.arrayContaining([`0 of ${ROWS}`, `1000 of ${ROWS}`, `2000 of ${ROWS}`]));
    expect(statuses.at(-1)).toBe(`Imported ${ROWS}: ${ROWS} added, 0 merged`);
    expect(await page.locator('progress[aria-label="Import progress"]').getAttribute('value')).toBe(String(ROWS));
    expect(await focused(page)).toBe('Import file…');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'keyboard-csv-import');

    const found = (await call('GET', '/api/v1/datasets/kb.csv/records?search=two lines')).body.records;
    expect(found).toMatchObject([{ inputs: { question: 'How do I, on two lines,\nreset it?' }, expectations: { expected_response: 'Answer 7' }, tags: { topic: 't2' } }]);
    const quoted = (await call('GET', '/api/v1/datasets/kb.csv/records?search=Question 12,')).body.records;
    expect(quoted[0]).toMatchObject({ inputs: { question: 'Question 12, about "feature 12"' } });

    // Search from the keyboard: Shift+Tab back to the box, type, Enter.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('#record-search');
    await page.keyboard.type('feature 39');
    await page.keyboard.press('Enter');
    // Rows 39, 79, … 2479: 62 of them.
    await page.getByText('62 records matching').waitFor();
  });

  it('adds a record with Enter and Ctrl+Enter, and closes the editor with Escape', async () => {
    await page.goto(`${a.url}/datasets/kb.csv?exp=${a.experimentId}`);
    await page.locator('table.records tbody tr[data-index]').first().waitFor();
    await tabTo(page, 'Add record');
    await page.keyboard.press('Enter');
    // The editor opens with its first field focused.
    expect(await focused(page)).toBe('#rec-inputs');
    await page.keyboard.type('{"question": "typed without a mouse"}');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('#rec-outputs');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('#rec-expectations');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('{"expected_response": "yes"}');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'keyboard-record-editor');
    await page.keyboard.press('Control+Enter');
    await page.locator('.success', { hasText: 'Added a record' }).waitFor();
    expect((await call('GET', '/api/v1/datasets/kb.csv/records?search=typed without a mouse')).body.records).toMatchObject([{ expectations: { expected_response: 'yes' } }]);
    // Back on the button that opened it.
    await expect.poll(() => focused(page)).toBe('Add record');

    // Escape closes without saving, focus returns to the button.
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('#rec-inputs');
    await page.keyboard.type('{"question": "never saved"}');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('form.record-editor').count()).toBe(0);
    await expect.poll(() => focused(page)).toBe('Add record');
    expect((await call('GET', '/api/v1/datasets/kb.csv/records?search=never saved')).body.records).toEqual([]);

    // A row opens with Enter too; Escape returns to that row.
    await page.locator('table.records tbody tr[data-index="0"]').focus();
    await page.keyboard.press('Enter');
    // Inputs are not editable on a stored record: focus starts in the outputs.
    expect(await focused(page)).toBe('#rec-outputs');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('0');
  });

  it('shows the overview with the monitor hint once', async () => {
    await page.goto(`${a.url}/overview?exp=${a.experimentId}`);
    await page.locator('.overview-page .metric dd', { hasText: '20' }).first().waitFor();
    await expect.poll(() => page.getByText('Create a monitor to get the results tables').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'keyboard-overview');
  });
});
