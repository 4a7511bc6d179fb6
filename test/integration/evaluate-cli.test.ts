/** `assay evaluate` and `assay evaluations list|show|compare` against a listening API, as a user runs them. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFakeTarget, type FakeTarget } from '../support/fake-target.ts';

const run = promisify(execFile);

describe('assay evaluate', () => {
  let t: TestApp;
  let target: FakeTarget;
  let env: Record<string, string>;
  const assay = async (...args: string[]) => run(process.execPath, ['bin/assay.mjs', ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

  beforeAll(async () => {
    target = await startFakeTarget({ answer: (q) => (q.includes('7') ? { status: 500, body: 'kaput' } : `Answer: ${q}`) });
    t = await startTestApp({ env: { ASSAY_OUTBOUND_ALLOW: target.url } });
    await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const headers = await t.tokenHeaders('writer', 'cli');
    env = { ASSAY_URL: address, ASSAY_TOKEN: headers.authorization!.slice('Bearer '.length), ASSAY_LOG_LEVEL: 'silent' };
    await t.app.inject({ method: 'POST', url: '/api/v1/datasets', headers, payload: { name: 'cli.evals' } });
    const records = Array.from({ length: 10 }, (_, i) => ({ inputs: { question: `question ${i}` } }));
    await t.app.inject({ method: 'POST', url: '/api/v1/datasets/cli.evals/merge', headers, payload: { records } });
  });
  afterAll(async () => {
    await t?.close();
    await target?.close();
  });

  it('runs over a dataset with a progress bar and prints metrics and failing rows', async () => {
    const { stdout, stderr } = await assay('evaluate', '--dataset', 'cli.evals', '--target-url', `${target.url}/answer`, '--scorers', 'safety', '--name', 'cli-run');
    // The bar itself draws only on a terminal; the start line always shows.
    expect(stderr).toMatch(/run ev-\w+ started on cli\.evals/);
    expect(stdout).toMatch(/run ev-\w+ \(cli-run\) on cli\.evals v1: succeeded; 10 rows, 9 passed, 0 failed, 1 errored/);
    expect(stdout).toContain('safety/mean');
    expect(stdout).toContain('pass_rate');
    expect(stdout).toContain('HTTP 500');
    expect(stdout).not.toContain('kaput');
    expect(target.calls).toHaveLength(10);
  });

  it('lists, shows and compares runs', async () => {
    const second = await assay('evaluate', '--dataset', 'cli.evals', '--target-url', `${target.url}/answer`, '--scorers', 'safety', '--no-wait');
    const runId = second.stdout.trim();
    expect(runId).toMatch(/^ev-/);
    const listed = await assay('evaluations', 'list', '--dataset', 'cli.evals');
    expect(listed.stdout).toContain(runId);
    expect(listed.stdout).toContain('cli-run');
    const first = /(ev-\w+)/.exec(listed.stdout.split('\n').find((l) => l.includes('cli-run'))!)![1]!;
    for (;;) {
      const shown = await assay('evaluations', 'show', runId);
      if (shown.stdout.includes('succeeded')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const compared = await assay('evaluations', 'compare', first, runId);
    expect(compared.stdout).toContain('10 rows matched by inputs: 0 regressions, 0 improvements, 10 unchanged');
    expect(compared.stdout).toContain('pass_rate');
  });

  it('explains bad options', async () => {
    const error = await assay('evaluate', '--dataset', 'cli.missing', '--target-url', `${target.url}/answer`).catch((e: { stderr: string; code: number }) => e);
    expect((error as { code: number }).code).toBe(1);
    expect((error as { stderr: string }).stderr).toContain("cli.missing");
  });
});
