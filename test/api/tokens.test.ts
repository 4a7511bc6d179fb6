/**
 * Tokens over HTTP: an admin lists, creates and revokes tokens; names are unique; the token itself
 * is in the creation answer only; other roles are refused; the last admin token cannot be revoked
 * over HTTP (that would lock every admin out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('tokens API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it('bootstraps the first admin token in open mode, which then closes', async () => {
    const created = await inject('POST', '/api/v1/tokens', {}, { name: 'first-admin', role: 'admin' });
    expect(created.statusCode).toBe(201);
    const { token, info } = created.json();
    expect(token).toMatch(/^assay_/);
    expect(info).toMatchObject({ name: 'first-admin', role: 'admin', revoked_at: null });
    expect((await inject('GET', '/api/v1/tokens')).statusCode).toBe(401);
    const admin = { authorization: `Bearer ${token}` };
    const list = await inject('GET', '/api/v1/tokens', admin);
    expect(list.statusCode).toBe(200);
    expect(list.json().tokens.map((x: { name: string }) => x.name)).toEqual(['first-admin']);
    expect(JSON.stringify(list.json())).not.toContain(token);
    expect(list.json().tokens[0].last_used_at).not.toBeNull();
  });

  it('creates, refuses duplicates and bad input, and revokes', async () => {
    const admin = await t.tokenHeaders('admin', 'ops');
    const made = await inject('POST', '/api/v1/tokens', admin, { name: 'ingest-bot', role: 'writer' });
    expect(made.statusCode).toBe(201);
    const writer = { authorization: `Bearer ${made.json().token}` };
    expect((await inject('GET', '/api/v1/experiments', writer)).statusCode).toBe(200);

    const duplicate = await inject('POST', '/api/v1/tokens', admin, { name: 'ingest-bot', role: 'reader' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().message).toContain('ingest-bot');
    const badRole = await inject('POST', '/api/v1/tokens', admin, { name: 'x', role: 'root' });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().message).toContain('role');
    const badName = await inject('POST', '/api/v1/tokens', admin, { name: 'has space', role: 'reader' });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().message).toMatch(/^name: /);

    expect((await inject('DELETE', '/api/v1/tokens/ingest-bot', admin)).statusCode).toBe(204);
    expect((await inject('GET', '/api/v1/experiments', writer)).statusCode).toBe(401);
    expect((await inject('DELETE', '/api/v1/tokens/ingest-bot', admin)).statusCode).toBe(404);
    const listed = (await inject('GET', '/api/v1/tokens', admin)).json().tokens.find((x: { name: string }) => x.name === 'ingest-bot');
    expect(listed.revoked_at).not.toBeNull();
  });

  it('is for admins only', async () => {
    const writer = await t.tokenHeaders('writer');
    expect((await inject('GET', '/api/v1/tokens', writer)).statusCode).toBe(403);
    expect((await inject('POST', '/api/v1/tokens', writer, { name: 'mine', role: 'admin' })).statusCode).toBe(403);
    expect((await inject('DELETE', '/api/v1/tokens/ops', writer)).statusCode).toBe(403);
  });

  it('keeps the last active admin token', async () => {
    const admin = await t.tokenHeaders('admin', 'last-ops');
    expect((await inject('DELETE', '/api/v1/tokens/first-admin', admin)).statusCode).toBe(204);
    expect((await inject('DELETE', '/api/v1/tokens/ops', admin)).statusCode).toBe(204);
    const last = await inject('DELETE', '/api/v1/tokens/last-ops', admin);
    expect(last.statusCode).toBe(409);
    expect(last.json().message).toContain('last active admin');
  });
});
