/**
 * A real browser for end-to-end tests: Debian's Chromium driven by playwright-core, an axe-core
 * check of each page, and screenshots in scratch/screens (not committed) to look at when asked for.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../support/spawn-assay.ts';

export const CHROMIUM = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium';
const SCREENS = join(ROOT, 'scratch', 'screens');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A launched browser with one page open; `close` ends both. */
export interface OpenPage {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Launches the browser and opens one page, 1440×900 unless told otherwise. */
export async function openPage(viewport = { width: 1440, height: 900 }): Promise<OpenPage> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport });
    return { browser, page, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Saves what the page shows as scratch/screens/NAME.png when ASSAY_SCREENSHOTS is set (to look at
 * after a change to the console): they check nothing, and encoding 48 full-size PNGs cost the suite
 * more CPU than several of its test files.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.ASSAY_SCREENSHOTS) return;
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: false });
}
