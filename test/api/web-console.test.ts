/** The console is served at `/` by the API process (every console path gets its page); ASSAY_UI=false turns it off. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webConsoleDir } from '../../src/api/web-console.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ROOT } from '../support/spawn-assay.ts';

/** What a browser asks for when it opens a page. */
const HTML = { accept: 'text/html,application/xhtml+xml' };

describe('web console serving', () => {
  let on: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    // `npm ci` builds the console; a checkout that skipped it builds it here.
    if (!webConsoleDir()) execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
    on = await startTestApp({ db: 'pglite', env: { ASSAY_UI: 'true' } });
    off = await startTestApp({ db: 'pglite', env: { ASSAY_UI: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('serves the page at / and at every console path, so a copied link opens the same view', async () => {
    for (const url of ['/', '/traces?exp=1&filter=tags.env%20%3D%20%27prod%27', '/traces/tr-0123abcd?exp=1&span=ab', '/monitor?exp=1&bucket=hour', '/datasets/evals.picked']) {
      const response = await on.app.inject({ method: 'GET', url, headers: HTML });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toMatch(/^text\/html/);
      expect(response.body, url).toContain('<div id="root">');
    }
    // A missing file is a 404, and the API keeps its JSON answers.
    expect((await on.app.inject({ method: 'GET', url: '/assets/missing-file.js', headers: HTML })).statusCode).toBe(404);
    const api = await on.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: HTML });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
  });

  it('serves no page with ASSAY_UI=false, the API still answering', async () => {
    const page = await off.app.inject({ method: 'GET', url: '/traces', headers: HTML });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^application\/json/);
    expect((await off.app.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(200);
  });
});
