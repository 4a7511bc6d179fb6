/**
 * The embedded database over the Postgres protocol while Assay runs: the real `pg` client and
 * `assay sql` against a spawned embedded Assay (its own data directory, free ports), reading the
 * results tables; and clients that would corrupt Assay's own work on the one PGlite backend if
 * their turns were not kept apart (an open transaction, one left open by a vanished client, session
 * settings).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runAssay, spawnAssay, tempDataDir, type AssayProcess } from '../support/spawn-assay.ts';
import { chatTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';
import { waitFor } from '../support/wait-for.ts';

const SPAWN_TIMEOUT_MS = 180_000;

describe('SQL port of the embedded database', () => {
  const dir = tempDataDir();
  let p: AssayProcess;
  let url: string;
  let sqlPort: number;
  let experimentId: string;
  let env: Record<string, string>;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const ingest = (hex = newTraceHex()) => api('POST', `/api/v1/experiments/${experimentId}/traces`, chatTrace(hex)).then((r) => ({ ...r, hex }));
  const client = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: sqlPort, user: 'postgres', database: 'postgres' });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const traceCount = async () => {
    const c = await client();
    try {
      return Number((await c.query('select count(*) as n from assay.trace')).rows[0].n);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    const port = await freePort();
    sqlPort = await freePort();
    env = { ASSAY_PORT: String(port), ASSAY_SQL_PORT: String(sqlPort), ASSAY_DATA_DIR: dir.dir, ASSAY_OFFLINE_JUDGE: 'true' };
    p = spawnAssay(['start'], { ...env, ASSAY_LOG_LEVEL: 'info' });
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`exited early: ${p.stderr()}`);
        return (await fetch(`${url}/healthz`)).ok;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'assay start to answer /healthz' },
    );
    experimentId = (await api('POST', '/api/v1/experiments', { name: 'sql-port' })).body.experiment_id;
  }, SPAWN_TIMEOUT_MS);

  afterAll(async () => {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    dir.cleanup();
  });

  it('serves the results table and its assessment view to pg and to assay sql while Assay runs', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    expect(p.logs().find((l) => l.msg === 'sql port listening (psql, pg, BI tools)')?.url).toBe(`postgres://postgres@127.0.0.1:${sqlPort}/postgres`);
    // Paused: the scheduler would start the new monitor's first run at its next tick, and a tick
    // between this PUT and the POST below made that POST a 409. The manual run is the one looked at.
    const monitor = await api('PUT', `/api/v1/experiments/${experimentId}/monitor`, {
      results_schema: 'sqlport',
      sample: 1,
      paused: true,
      scorers: [{ name: 'safety' }],
    });
    expect(monitor.status).toBe(201);
    const { hex } = await ingest();
    const run = await api('POST', `/api/v1/experiments/${experimentId}/monitor/run`);
    expect(run.status).toBe(202);
    await waitFor(async () => (await api('GET', `/api/v1/experiments/${experimentId}/monitor/runs`)).body.runs?.[0]?.status === 'succeeded', {
      timeoutMs: 120_000,
      what: 'the monitoring run',
    });

    const c = await client();
    try {
      const logs = await c.query(`select trace_id, request_preview from sqlport.trace_logs_${experimentId}`);
      expect(logs.rows).toEqual([{ trace_id: `tr-${hex}`, request_preview: expect.stringContaining('refund window') }]);
      const verdicts = await c.query(`select name, value from sqlport.assessment_logs_${experimentId} where trace_id = $1`, [`tr-${hex}`]);
      expect(verdicts.rows).toEqual([{ name: 'safety', value: expect.anything() }]);
    } finally {
      await c.end();
    }

    const table = await runAssay(['sql', `select trace_id, state from sqlport.trace_logs_${experimentId}`], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`tr-${hex}`);
    expect(table.stdout).toMatch(/│ OK +│/);
    expect(table.stderr).toContain('(1 row)');

    const json = await runAssay(['sql', '--format', 'json', `select name, count(*) as n from sqlport.assessment_logs_${experimentId} group by name`], env);
    expect(JSON.parse(json.stdout)).toEqual([{ name: 'safety', n: 1 }]);

    const csv = await runAssay(['sql', '--format', 'csv', `select 'a,b' as x, 'say "hi"' as y, null as z`], env);
    expect(csv.stdout).toBe('x,y,z\r\n"a,b","say ""hi""",\r\n');
  });

  it('points at the error in the statement, refuses writes without --write, and says when Assay is not there', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const typo = await runAssay(['sql', 'select name\nfrom assay.experiment\nwhere nme = 1'], env);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('ERROR:  column "nme" does not exist (SQLSTATE 42703)');
    expect(typo.stderr).toContain('LINE 3: where nme = 1\n              ^');

    const write = await runAssay(['sql', "insert into assay.experiment (name) values ('sneaky')"], env);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('cannot execute INSERT in a read-only transaction');
    expect(write.stderr).toContain('add --write');
    // A second statement cannot smuggle a commit past the read-only transaction.
    const smuggled = await runAssay(['sql', "commit; insert into assay.experiment (name) values ('sneaky')"], env);
    expect(smuggled.code).toBe(1);
    expect((await api('GET', '/api/v1/experiments?name=sneaky')).body.experiments).toEqual([]);

    const written = await runAssay(['sql', '--write', 'create table public.notes (n int); insert into public.notes values (1), (2)'], env);
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse((await runAssay(['sql', '--format', 'json', 'select sum(n) as total from public.notes'], env)).stdout)).toEqual([{ total: 3 }]);

    const away = await runAssay(['sql', 'select 1'], { ...env, ASSAY_SQL_PORT: String(await freePort()) });
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/cannot reach the embedded database on 127\.0\.0\.1:\d+ \(ASSAY_SQL_PORT\).*Is Assay running/);
  });

  it("keeps a client's open transaction apart from Assay's writes", { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const before = await traceCount();
    const c = await client();
    try {
      await c.query('begin');
      await c.query('select count(*) from assay.trace');
      const pending = ingest();
      let settled = false;
      void pending.then(() => (settled = true));
      // Assay's ingest waits for the client's transaction to end instead of running inside it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      await c.query('rollback');
      const done = await pending;
      expect(done.status).toBe(200);
    } finally {
      await c.end();
    }
    // Without turns, the client's rollback would have taken Assay's trace with it.
    expect(await traceCount()).toBe(before + 1);
  });

  it('rolls back what a vanished client left open, and resets the session settings it changed', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const c = await client();
    await c.query('begin');
    await c.query('create table public.leftover (x int)');
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const after = await ingest();
    expect(after.status).toBe(200);

    const settings = await client();
    try {
      expect((await settings.query("select to_regclass('public.leftover') as t")).rows[0].t).toBeNull();
      await settings.query("set default_transaction_read_only = on; set datestyle = 'SQL, DMY'; set search_path = nowhere");
      const ok = await ingest();
      expect(ok.status).toBe(200);
      const stored = await api('GET', `/api/v1/traces/tr-${ok.hex}`);
      expect(stored.body.info.request_time).toBe('2026-03-02T10:15:30.250Z');
    } finally {
      await settings.end();
    }
  });
});
