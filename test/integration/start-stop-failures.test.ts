/**
 * Failures at start and stop, as an operator meets them: a start that cannot reach its database
 * says why (refused, missing database, SSL) instead of "migration ? failed"; a worker told to stop while
 * Redis is unreachable exits by itself within ASSAY_SHUTDOWN_TIMEOUT_MS, without a second signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort, runAssay, spawnAssay } from '../support/spawn-assay.ts';
import { waitFor } from '../support/wait-for.ts';

describe('start and stop failures', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => database?.drop());

  it('names an unreachable database', async () => {
    const port = await freePort();
    const result = await runAssay(['migrate'], { DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${port}/assay` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot reach the database at 127\.0\.0\.1:\d+: connection refused/);
    expect(result.stderr).not.toContain('secret-pw');
  });

  it('names a missing database', async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = '/assay_no_such_database_x';
    const result = await runAssay(['migrate'], { DATABASE_URL: url.toString() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/database does not exist: .*assay_no_such_database_x/);
  });

  it('names an SSL problem', async () => {
    // The test Postgres serves no SSL, so a URL that requires it fails the TLS handshake.
    const url = new URL(ADMIN_URL);
    url.password = 'secret-pw';
    url.searchParams.set('sslmode', 'require');
    const result = await runAssay(['migrate'], { DATABASE_URL: url.toString() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/SSL problem connecting to the database: .*SSL.*\(see sslmode in DATABASE_URL\)/);
    expect(result.stderr).not.toContain('secret-pw');
  });

  it('stops a worker whose Redis is unreachable on the first SIGTERM', async () => {
    const redisPort = await freePort();
    const worker = spawnAssay(['worker'], {
      DATABASE_URL: database.url!,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      ASSAY_SHUTDOWN_TIMEOUT_MS: '1500',
      ASSAY_LOG_LEVEL: 'info',
    });
    try {
      // Up, and failing to reach Redis (a fixed wait after "starting" was too short on a loaded
      // machine: the signal came before the worker had set its handler).
      await waitFor(async () => (worker.logs().some((l) => l.msg === 'redis connection error') ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the worker failing to reach Redis',
      });
      worker.child.kill('SIGTERM');
      const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
      expect(code).not.toBe('still running');
      // Either closing found nothing stuck yet (a clean stop), or it hung on Redis and the deadline
      // ended it, saying which setting bounds the wait; which one depends on how far the start got.
      const messages = worker.logs().map((l) => String(l.msg));
      if (code === 0) expect(messages).toContain('stopped');
      else expect({ code, said: messages.some((m) => m.includes('ASSAY_SHUTDOWN_TIMEOUT_MS')) }).toEqual({ code: 1, said: true });
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
