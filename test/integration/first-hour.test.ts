/**
 * The README's "Your first hour", run as written: every shell block marked `<!-- first-hour -->` is
 * taken from README.md and run in order with bash, against an embedded Assay started as `npm start`
 * would (fresh data directory, free ports, the fake judge). It must end with feedback on the
 * README's trace and a SQL result, so the README cannot drift from what Assay does.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJudge, type FakeJudge } from '../support/fake-judge.ts';
import { freePort, ROOT, spawnAssay, tempDataDir, type AssayProcess } from '../support/spawn-assay.ts';
import { chatTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const TIMEOUT_MS = 300_000;
const README_TRACE = 'tr-4f1c2a9be0d34c7a8e6b5d4c3b2a1f00';

/** The README's first-hour shell blocks, in order. */
function firstHourBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/<!-- first-hour -->\n```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The environment a user's second terminal has: nothing of ours but where Assay listens. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('ASSAY_') || key === 'DATABASE_URL' || key === 'REDIS_URL') delete env[key];
  return { ...env, ...extra };
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the README's first hour", () => {
  const dir = tempDataDir();
  // npm's cache of its own, as on a machine where `npx assay` never ran in this checkout: the first
  // call links the checkout into npx's cache and npm runs the checkout's prepare script for the link.
  const npmCache = tempDataDir();
  let judge: FakeJudge;
  let p: AssayProcess;
  let url: string;
  let env: NodeJS.ProcessEnv;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /**
   * Waits until a run of the experiment's monitor that `wanted` picks has succeeded. A new monitor is
   * due at once, so the scheduler (every 30 s) may finish a run of its own first, with nothing in
   * its window: waiting for any run would then go on before the one the user started.
   */
  const runSucceeded = (experimentId: string, wanted: (run: { run_id: string; kind: string }) => boolean, what: string) =>
    waitFor(
      async () => {
        const { runs } = (await api('GET', `/api/v1/experiments/${experimentId}/monitor/runs`)).body as {
          runs: Array<{ run_id: string; kind: string; status: string }>;
        };
        if (runs.some((r) => r.status === 'failed')) throw new Error('a monitoring run failed');
        return runs.some((r) => r.status === 'succeeded' && wanted(r));
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `experiment ${experimentId}'s ${what}` },
    );

  beforeAll(async () => {
    judge = await startFakeJudge();
    const port = await freePort();
    const sqlPort = await freePort();
    p = spawnAssay(['start'], {
      ASSAY_PORT: String(port),
      ASSAY_SQL_PORT: String(sqlPort),
      ASSAY_DATA_DIR: dir.dir,
      ASSAY_JUDGE_BASE_URL: judge.url,
      ASSAY_JUDGE_API_KEY: 'test-key',
      ASSAY_LOG_LEVEL: 'warn',
    });
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`exited early: ${p.stderr()}`);
        return (await fetch(`${url}/healthz`)).ok;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'assay start to answer /healthz' },
    );
    // The user's terminal: the CLI finds Assay through ASSAY_PORT (and the SQL port), no ASSAY_URL.
    env = userEnv({ ASSAY_PORT: String(port), ASSAY_SQL_PORT: String(sqlPort), npm_config_cache: npmCache.dir });
  }, TIMEOUT_MS);

  afterAll(async () => {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await judge?.close();
    dir.cleanup();
    npmCache.cleanup();
  });

  it('ends with feedback on the trace it sent and a SQL result over it', { timeout: TIMEOUT_MS }, async () => {
    const blocks = firstHourBlocks();
    expect(blocks.length).toBe(5);
    // What `npm ci` built stays as it is: a first `npx assay` rebuilt it all (30 s), emptying the
    // console's files under the running Assay.
    const built = ['dist/web/index.html', 'dist/src/bundle/main.js'].map((file) => statSync(join(ROOT, file)).mtimeMs);
    const outputs: string[] = [];
    for (const block of blocks) {
      const script = block.replaceAll('localhost:5050', url.replace('http://', ''));
      const result = await bash(script, env);
      expect(result.code, `${block}\n--- stderr:\n${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
      // The user watches the runs until one has succeeded; so does the test.
      if (/monitor run \d/.test(block)) await runSucceeded('1', (run) => run.kind === 'manual', 'run started by `assay monitor run`');
    }
    expect(['dist/web/index.html', 'dist/src/bundle/main.js'].map((file) => statSync(join(ROOT, file)).mtimeMs)).toEqual(built);
    const [created, monitor, ingested, , results] = outputs as [string, string, string, string, string];
    expect(created.trim()).toBe('1');
    expect(JSON.parse(monitor)).toMatchObject({ experiment_id: '1', existing_traces: { count: 0 } });
    expect(JSON.parse(ingested)).toBeTruthy();

    // Feedback on the README's own trace, from both judges, in the search table…
    expect(results).toContain(README_TRACE);
    expect(results).toMatch(/safety=yes/);
    expect(results).toMatch(/relevance_to_query=yes/);
    // …and the SQL result the user ran themselves.
    expect(results).toMatch(new RegExp(`${README_TRACE} +│ relevance_to_query +│ "?yes"? +│ fake judge`));
    expect(results).toMatch(new RegExp(`${README_TRACE} +│ safety +│ "?yes"? +│ fake judge`));
    expect(judge.calls.length).toBe(2);
  });

  it('says what a new monitor leaves out, and its backfill request judges those traces', { timeout: TIMEOUT_MS }, async () => {
    const { experiment_id: id } = (await api('POST', '/api/v1/experiments', { name: 'old-traces' })).body as { experiment_id: string };
    const hexes = [newTraceHex(), newTraceHex()];
    for (const hex of hexes) expect((await api('POST', `/api/v1/experiments/${id}/traces`, chatTrace(hex))).status).toBe(200);

    const created = await api('PUT', `/api/v1/experiments/${id}/monitor`, { results_schema: 'late', sample: 1, scorers: [{ name: 'safety' }] });
    expect(created.status).toBe(201);
    const existing = created.body.existing_traces as { count: number; message: string; backfill: { request: Json; estimate: { judge_calls: number } } };
    expect(existing.count).toBe(2);
    expect(existing.backfill.estimate.judge_calls).toBe(2);
    expect(existing.message).toContain('2 traces were here before this monitor');
    expect(existing.message).toContain(`POST /api/v1/experiments/${id}/monitor/backfill`);
    // An update is not a creation: nothing to say.
    const updated = await api('PUT', `/api/v1/experiments/${id}/monitor`, { results_schema: 'late', sample: 1, scorers: [{ name: 'safety' }] });
    expect(updated.status).toBe(200);
    expect(updated.body.existing_traces).toBeUndefined();

    const before = judge.calls.length;
    const started = await api('POST', `/api/v1/experiments/${id}/monitor/backfill`, existing.backfill.request);
    expect(started.status).toBe(202);
    const { run } = started.body as { run: { run_id: string; kind: string } };
    expect(run.kind).toBe('backfill');
    await runSucceeded(id, (r) => r.run_id === run.run_id, `backfill run ${run.run_id}`);
    expect(judge.calls.length - before).toBe(2);
    for (const hex of hexes) {
      const trace = (await api('GET', `/api/v1/traces/tr-${hex}`)).body as { info: { assessments: Array<{ assessment_name: string }> } };
      expect(trace.info.assessments.map((a) => a.assessment_name)).toEqual(['safety']);
    }
  });
});
