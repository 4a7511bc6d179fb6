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

  it('prints extracted span values as CSV, table and JSON columns', async () => {
    const filter = `request_id IN ('${id('01')}', '${id('02')}', '${id('06')}')`;
    const csv = await assay(
      '-x', A, '--filter', filter, '--extract', 'span.inputs.question', 'span.end_time',
      '--extract', '`openai.chat`.inputs.messages', '--format', 'csv',
    );
    expect(csv.stdout.split('\r\n')).toEqual([
      'trace_id,request_time,state,execution_duration_ms,name,span.inputs.question,span.end_time,`openai.chat`.inputs.messages',
      `${id('06')},2023-11-14T22:13:26.000Z,STATE_UNSPECIFIED,0,,,,`,
      `${id('02')},2023-11-14T22:13:22.000Z,ERROR,250,chat,Weather today?,1700000002250,`,
      `${id('01')},2023-11-14T22:13:21.000Z,OK,100,chat,What is MLflow?,1700000001100,"[""hello world""]"`,
      '',
    ]);

    const table = await assay('-x', A, '--filter', filter, '-e', 'span.outputs.answer');
    expect(table.stdout).toContain('span.outputs.answer');
    expect(table.stdout).toContain('MLflow is a platform');

    const json = await assay('-x', A, '--filter', `request_id = '${id('01')}'`, '-e', 'span.attributes.usage.total_tokens', '--format', 'json');
    const body = JSON.parse(json.stdout) as { traces: Array<{ extracted: Record<string, unknown> }> };
    expect(body.traces[0]?.extracted).toEqual({ 'span.attributes.usage.total_tokens': 42 });
  });

  it('fails with the field named for a bad --extract or --format', async () => {
    await expect(assay('-x', A, '--extract', 'openai.chat.inputs', '--format', 'csv')).rejects.toMatchObject({
      stderr: expect.stringContaining("extract_fields[0]: 'openai.chat.inputs': unknown span part 'chat'"),
    });
    await expect(assay('-x', A, '--format', 'xml')).rejects.toMatchObject({
      stderr: expect.stringContaining("--format: 'xml' is not one of table, csv, json"),
    });
  });

  it("fails with the server's message for a bad filter", async () => {
    await expect(assay('-x', A, '--filter', "foo.bar = 'x'")).rejects.toMatchObject({
      stderr: expect.stringContaining("Invalid entity type 'foo'"),
    });
  });
});
