/** `assay traces search` against a listening API, as a user runs it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { id, loadSearchFixture } from '../support/search-fixture.ts';

const run = promisify(execFile);

describe('assay traces search', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let A: string;

  const assay = async (...args: string[]) =>
    run(process.execPath, ['bin/assay.mjs', 'traces', 'search', ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

  beforeAll(async () => {
    t = await startTestApp();
    ({ A } = await loadSearchFixture(t.app));
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (await t.tokenHeaders('reader', 'searcher')).authorization!.slice('Bearer '.length);
    env = { ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
  });
  afterAll(async () => t?.close());

  it('prints matching traces as a table, pages with a token, and answers JSON', async () => {
    const table = await assay('-x', A, '--filter', "tags.env = 'prod'", '-n', '2');
    expect(table.stdout).toContain(id('07'));
    expect(table.stdout).toContain(id('03'));
    expect(table.stdout).not.toContain(id('01'));
    expect(table.stdout).toContain('correctness=no');
    const token = /--page-token (\S+)/.exec(table.stderr)?.[1];
    expect(token).toBeTypeOf('string');

    const next = await assay('-x', A, '--filter', "tags.env = 'prod'", '-n', '2', '--page-token', token!, '--json');
    const body = JSON.parse(next.stdout) as { traces: Array<{ trace_id: string }>; next_page_token?: string };
    expect(body.traces.map((tr) => tr.trace_id)).toEqual([id('01')]);
    expect(body.next_page_token).toBeUndefined();
  });

  it("fails with the server's message for a bad filter", async () => {
    await expect(assay('-x', A, '--filter', "foo.bar = 'x'")).rejects.toMatchObject({
      stderr: expect.stringContaining("Invalid entity type 'foo'"),
    });
  });
});
