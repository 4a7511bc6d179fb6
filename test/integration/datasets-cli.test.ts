/** `assay datasets import|export` against a listening API, as a user runs them. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/cli/dataset-file.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const run = promisify(execFile);

describe('assay datasets import/export', () => {
  let t: TestApp;
  let dir: string;
  let env: Record<string, string>;

  const assay = async (...args: string[]) =>
    run(process.execPath, ['bin/assay.mjs', 'datasets', ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

  beforeAll(async () => {
    t = await startTestApp();
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const token = (await t.tokenHeaders('writer', 'importer')).authorization!.slice('Bearer '.length);
    env = { ASSAY_URL: address, ASSAY_TOKEN: token, ASSAY_LOG_LEVEL: 'silent' };
    dir = await mkdtemp(join(tmpdir(), 'assay-ds-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports JSONL and CSV, then exports any version as JSONL', async () => {
    const jsonl = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({ inputs: { question: `q${i}` }, expectations: { expected_facts: [`fact ${i}`] }, tags: { n: String(i) } }),
    ).join('\n');
    await writeFile(join(dir, 'golden.jsonl'), `${jsonl}\n`);
    const first = await assay('import', 'cli.golden', '--file', join(dir, 'golden.jsonl'), '--batch-size', '10');
    expect(first.stdout).toContain('25 records read');
    expect(first.stdout).toContain('25 inserted, 0 updated');
    expect(first.stdout).toContain('versions 1–3');

    const csv = [
      'inputs,expectations,outputs,inputs.lang',
      '"{""question"": ""q1""}","{""expected_response"": ""one, with comma""}",plain answer,',
      '"{""question"": ""new""}",,"{""text"": ""json answer""}",en',
    ].join('\r\n');
    await writeFile(join(dir, 'more.csv'), csv);
    const second = await assay('import', 'cli.golden', '--file', join(dir, 'more.csv'));
    expect(second.stdout).toContain('1 inserted, 1 updated');

    const current = await assay('export', 'cli.golden');
    const records = current.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(26);
    expect(records[1]).toMatchObject({
      inputs: { question: 'q1' },
      outputs: 'plain answer',
      expectations: { expected_facts: ['fact 1'], expected_response: 'one, with comma' },
      created_by: 'importer',
    });
    expect(records[25]).toMatchObject({ inputs: { question: 'new', lang: 'en' }, outputs: { text: 'json answer' } });

    await assay('export', 'cli.golden', '--version', '1', '--output', join(dir, 'v1.jsonl'));
    const v1 = (await readFile(join(dir, 'v1.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(v1.map((r) => r.inputs.question)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`));

    // An export imports again unchanged: matching on inputs, no new records.
    const again = await assay('import', 'cli.golden', '--file', join(dir, 'v1.jsonl'));
    expect(again.stdout).toContain('0 inserted, 10 updated');
  });

  it('checks the whole file first and writes nothing when a record is bad', async () => {
    await writeFile(join(dir, 'bad.jsonl'), '{"inputs": {"q": 1}}\n{"inputs": {"q": 2}, "expectations": {"guidelines": "x"}}\n');
    const failed = await assay('import', 'cli.bad', '--file', join(dir, 'bad.jsonl')).catch((e: { stderr: string }) => e);
    expect('stderr' in failed && failed.stderr).toContain('line 2: expectations.guidelines');
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/datasets/cli.bad', headers: await t.tokenHeaders('reader') });
    expect(res.statusCode).toBe(404);
  });

  it('parses quoted CSV fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, ""y""","line1\nline2"\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line1\nline2'],
    ]);
  });
});
