/**
 * The process as an operator runs it: `assay start` on the embedded defaults, health and metrics,
 * an ordered shutdown on SIGTERM, the refusal to listen on the network without a token, and the
 * token commands.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.ts';
import { freePort, PACKAGE_VERSION, runAssay, spawnAssay, tempDataDir, type AssayProcess } from '../support/spawn-assay.ts';
import { chatTrace, newTraceHex } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

// Each spawned process compiles the sources and opens PGlite (a fresh one runs initdb): slow.
const SPAWN_TIMEOUT_MS = 180_000;

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

const dirs: Array<{ cleanup(): void }> = [];
const running: AssayProcess[] = [];

function dataDir(): string {
  const d = tempDataDir();
  dirs.push(d);
  return d.dir;
}

afterAll(() => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const d of dirs) d.cleanup();
});

async function startAssay(args: string[], env: Record<string, string>): Promise<{ p: AssayProcess; url: string }> {
  const port = await freePort();
  const p = spawnAssay(args, { ASSAY_PORT: String(port), ASSAY_LOG_LEVEL: 'info', ...env });
  running.push(p);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`exited early: ${p.stderr()}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `assay ${args.join(' ')} to answer /healthz` },
  );
  return { p, url };
}

// Every test starts its own processes on its own data directory and ports: they run side by side,
// so the file waits for the slowest start-up rather than for the sum of them.
describe.concurrent('processes', () => {
  describe('assay start (embedded)', () => {
    it('serves health, readiness and metrics, then shuts down in order on SIGTERM', { timeout: SPAWN_TIMEOUT_MS }, async () => {
      const { p, url } = await startAssay(['start'], { ASSAY_DATA_DIR: dataDir() });
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite', queue: 'in-process' });

      const experiment = await fetch(`${url}/api/v1/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'lifecycle' }),
      });
      const { experiment_id } = (await experiment.json()) as { experiment_id: string };
      const hex = newTraceHex();
      const ingest = await fetch(`${url}/api/v1/experiments/${experiment_id}/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatTrace(hex)),
      });
      expect(ingest.status).toBe(200);
      const stored = (await (await fetch(`${url}/api/v1/traces/tr-${hex}`)).json()) as { data: { spans: unknown[] } };
      expect(stored.data.spans).toHaveLength(3);

      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text).toMatch(/^assay_http_requests_total\{method="POST",route="\/api\/v1\/experiments\/:id\/traces",status="200"\} 1$/m);
      expect(text).toMatch(/^assay_traces_ingested_total\{protocol="rest"\} 1$/m);
      expect(text).toMatch(/^assay_spans_ingested_total\{protocol="rest"\} 3$/m);
      expect(text).toMatch(/^assay_queue_jobs\{state="waiting"\} 0$/m);
      expect(text).toMatch(/^assay_process_resident_memory_bytes /m);

      // The API answers before the worker and the scheduler start: stop a process that has all three.
      await waitFor(() => p.logs().some((l) => l.msg === 'scheduler started'), { what: 'the scheduler to start', timeoutMs: 30_000 });
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      const messages = p.logs().map((l) => l.msg);
      // The first line says which Assay runs.
      expect(p.logs()[0]).toMatchObject({ msg: 'starting', version: PACKAGE_VERSION });
      const order = ['signal received', 'shutting down', 'api closed', 'scheduler stopped', 'jobs drained', 'queue closed', 'database closed', 'stopped'];
      const positions = order.map((m) => messages.indexOf(m));
      expect(positions.every((i) => i >= 0), `logged: ${messages.join(' | ')}`).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('stopped as soon as the API answers, starts nothing more and exits cleanly', { timeout: SPAWN_TIMEOUT_MS }, async () => {
      const { p } = await startAssay(['start'], { ASSAY_DATA_DIR: dataDir() });
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      const messages = p.logs().map((l) => l.msg);
      const stop = messages.indexOf('shutting down');
      expect(stop, messages.join(' | ')).toBeGreaterThan(0);
      // Whatever had not started when the stop came never starts after it.
      expect(messages.slice(stop).filter((m) => m === 'worker started' || m === 'scheduler started')).toEqual([]);
      if (messages.includes('scheduler started')) expect(messages).toContain('scheduler stopped');
      expect(messages.at(-1)).toBe('stopped');
    });

    it('refuses to listen on 0.0.0.0 while no token exists, and says why', { timeout: SPAWN_TIMEOUT_MS }, async () => {
      const port = await freePort();
      const p = spawnAssay(['api'], { ASSAY_DATA_DIR: dataDir(), ASSAY_HOST: '0.0.0.0', ASSAY_PORT: String(port) });
      running.push(p);
      const code = await p.exited;
      expect(code).not.toBe(0);
      expect(p.stderr()).toMatch(/refusing to listen on 0\.0\.0\.0: no API token exists/);
    });

    it('reports every configuration problem at once and exits 2', { timeout: SPAWN_TIMEOUT_MS }, async () => {
      const result = await runAssay(['api'], { ASSAY_PORT: 'eighty', ASSAY_LOG_LEVEL: 'loud', DATABASE_URL: 'nope' });
      expect(result.code).toBe(2);
      for (const variable of ['ASSAY_PORT', 'ASSAY_LOG_LEVEL', 'DATABASE_URL']) expect(result.stderr).toContain(variable);
    });
  });

  describe('readiness', () => {
    it('is not ready while shutting down or when the database is unreachable', async () => {
      const t = await startTestApp();
      try {
        expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
        t.ctx.lifecycle.shuttingDown = true;
        const shutting = await t.app.inject({ method: 'GET', url: '/readyz' });
        expect([shutting.statusCode, shutting.json()]).toEqual([503, { status: 'shutting_down' }]);
        t.ctx.lifecycle.shuttingDown = false;
        await t.database.close();
        const down = await t.app.inject({ method: 'GET', url: '/readyz' });
        expect([down.statusCode, down.json()]).toEqual([503, { status: 'database_unreachable' }]);
        expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      } finally {
        await t.close();
      }
    });
  });

  describe('assay tokens', () => {
    it('creates, lists and revokes tokens; a token then opens the network listener', { timeout: SPAWN_TIMEOUT_MS }, async () => {
      const env = { ASSAY_DATA_DIR: dataDir() };
      const created = await runAssay(['tokens', 'create', '--name', 'ci-bot', '--role', 'writer'], env);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(token).toMatch(/^assay_[A-Za-z0-9_-]{20,}$/);
      expect(created.stderr).toMatch(/shown only this once/);

      const duplicate = await runAssay(['tokens', 'create', '--name', 'ci-bot', '--role', 'reader'], env);
      expect(duplicate.code).not.toBe(0);
      expect(duplicate.stderr).toMatch(/already exists/);
      const badRole = await runAssay(['tokens', 'create', '--name', 'x', '--role', 'superuser'], env);
      expect(badRole.code).not.toBe(0);
      expect(badRole.stderr).toMatch(/--role: must be one of admin, writer, reader/);

      const admin = await runAssay(['tokens', 'create', '--name', 'ops', '--role', 'admin'], env);
      const listed = stripAnsi((await runAssay(['tokens', 'list'], env)).stdout);
      expect(listed).toMatch(/ci-bot\s+│\s+writer/);
      expect(listed).toMatch(/ops\s+│\s+admin/);
      expect(listed).not.toContain(token);

      const revoked = await runAssay(['tokens', 'revoke', '--name', 'ci-bot'], env);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toMatch(/token 'ci-bot' revoked/);

      // With an active token the API may listen beyond loopback; the revoked one no longer works.
      const { p, url } = await startAssay(['api'], { ...env, ASSAY_HOST: '0.0.0.0' });
      const auth = (t: string) => ({ authorization: `Bearer ${t}` });
      expect((await fetch(`${url}/api/v1/experiments`, { headers: auth(token) })).status).toBe(401);
      expect((await fetch(`${url}/api/v1/experiments`, { headers: auth(admin.stdout.trim()) })).status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    });
  });
});
