/**
 * Open mode and the Host check. Open mode is for a fresh loopback install only: once a token has
 * existed, revoking every token never reopens the API, and a network-bound API refuses requests
 * without a token at every moment. A loopback-bound API answers only loopback Host names, so a web
 * page that rebinds its own name to 127.0.0.1 cannot drive the API; the check needs no database,
 * so readiness still answers 503 (not 500) while the database is down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/storage/token-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('open mode', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const list = (app: TestApp, headers: Record<string, string> = {}) =>
    app.app.inject({ method: 'GET', url: '/api/v1/experiments', headers });
  const create = (app: TestApp, name: string) => app.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name } });

  it('closes for good once a token has existed, even after every token is revoked', async () => {
    t = await startTestApp();
    expect((await list(t)).statusCode).toBe(200);
    await t.tokenHeaders('admin', 'ops');
    expect((await list(t)).statusCode).toBe(401);
    await revokeToken(t.ctx.db, 'ops');
    expect((await list(t)).statusCode).toBe(401);
    expect((await create(t, 'after-revoke')).statusCode).toBe(401);
  });

  it('stays closed after revocation in a process that never saw the token', async () => {
    t = await startTestApp();
    await t.tokenHeaders('admin', 'ops');
    await revokeToken(t.ctx.db, 'ops');
    // A second API process on the same database, started after the revocation.
    const other = await startTestApp({ reuseDatabase: t.database });
    try {
      expect((await list(other)).statusCode).toBe(401);
    } finally {
      await other.app.close();
    }
  });

  it('is never open when bound beyond loopback, even with no token at all', async () => {
    t = await startTestApp({ env: { ASSAY_HOST: '0.0.0.0' } });
    const res = await list(t);
    expect(res.statusCode).toBe(401);
    expect(res.json().error_code).toBe('UNAUTHENTICATED');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('opens on loopback after tokens existed only when ASSAY_OPEN=true says so', async () => {
    t = await startTestApp({ env: { ASSAY_OPEN: 'true' } });
    await t.tokenHeaders('admin', 'ops');
    await revokeToken(t.ctx.db, 'ops');
    expect((await list(t)).statusCode).toBe(200);
  });

  it('answers only loopback Host names while open', async () => {
    t = await startTestApp();
    for (const host of ['localhost:5050', '127.0.0.1:5050', '[::1]:5050', 'LOCALHOST']) {
      expect((await list(t, { host })).statusCode, host).toBe(200);
    }
    const rebound = await list(t, { host: 'attacker.example:5050' });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().message).toMatch(/^host: 'attacker\.example' .*ASSAY_ALLOWED_HOSTS/);
    expect((await t.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'attacker.example' } })).statusCode).toBe(403);
  });

  it('keeps answering only loopback Host names on loopback once tokens exist', async () => {
    t = await startTestApp();
    const headers = await t.tokenHeaders('reader');
    expect((await list(t, { ...headers, host: '127.0.0.1:5050' })).statusCode).toBe(200);
    expect((await list(t, { ...headers, host: 'attacker.example' })).statusCode).toBe(403);
  });

  it('answers any Host name when bound beyond loopback and nothing is configured', async () => {
    t = await startTestApp({ env: { ASSAY_HOST: '0.0.0.0' } });
    const headers = await t.tokenHeaders('reader');
    expect((await list(t, { ...headers, host: 'assay.example.com' })).statusCode).toBe(200);
  });

  it('answers only the names in ASSAY_ALLOWED_HOSTS when set', async () => {
    t = await startTestApp({ env: { ASSAY_ALLOWED_HOSTS: 'assay.internal' } });
    const headers = await t.tokenHeaders('reader');
    expect((await list(t, { ...headers, host: 'assay.internal:5050' })).statusCode).toBe(200);
    expect((await list(t, { ...headers, host: 'localhost' })).statusCode).toBe(403);
  });

  it('records when a token was last used', async () => {
    t = await startTestApp();
    const headers = await t.tokenHeaders('reader', 'dash');
    const before = await t.ctx.db.selectFrom('assay.api_token').select('last_used_at').where('name', '=', 'dash').executeTakeFirstOrThrow();
    expect(before.last_used_at).toBeNull();
    expect((await list(t, headers)).statusCode).toBe(200);
    const after = await t.ctx.db.selectFrom('assay.api_token').select('last_used_at').where('name', '=', 'dash').executeTakeFirstOrThrow();
    expect(after.last_used_at).toBeInstanceOf(Date);
  });
});
