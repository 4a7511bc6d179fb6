/**
 * Authentication and roles: open while no token exists; afterwards every request needs an active
 * token whose role covers the route. Error bodies are `{error_code, message}`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/storage/token-repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { chatTrace, newTraceHex, otlpJsonRequest, type Json } from '../support/trace-payloads.ts';

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const createExperiment = (name: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers, payload: { name } });

  function expectDenied(res: { statusCode: number; json(): Json }, status: 401 | 403) {
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error_code).toBe(status === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED');
    expect(body.message).toEqual(expect.any(String));
  }

  // Order matters in this file: the first test runs before any token exists.
  it('is open while no token is configured, acting as "anonymous"', async () => {
    const res = await createExperiment('open');
    expect(res.statusCode).toBe(201);
    expect(res.json().created_by).toBe('anonymous');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(200);
  });

  describe('once a token exists', () => {
    let writer: Record<string, string>;
    let reader: Record<string, string>;
    let admin: Record<string, string>;
    let experimentId: string;

    beforeAll(async () => {
      writer = await t.tokenHeaders('writer', 'ingest-bot');
      reader = await t.tokenHeaders('reader', 'dashboard');
      admin = await t.tokenHeaders('admin', 'ops');
      experimentId = (await createExperiment('closed', writer)).json().experiment_id;
    });

    it('refuses a request without a token', async () => {
      expectDenied(await createExperiment('no-token'), 401);
      expectDenied(await t.app.inject({ method: 'GET', url: '/api/v1/experiments' }), 401);
    });

    it('refuses a wrong or malformed token', async () => {
      expectDenied(await createExperiment('wrong', { authorization: 'Bearer assay_not-a-real-token' }), 401);
      expectDenied(await createExperiment('basic', { authorization: 'Basic dXNlcjpwYXNz' }), 401);
      expectDenied(await createExperiment('empty', { authorization: 'Bearer ' }), 401);
    });

    it('lets a reader read but not write', async () => {
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}`, headers: reader })).statusCode).toBe(
        200,
      );
      const write = await t.app.inject({
        method: 'POST',
        url: `/api/v1/experiments/${experimentId}/traces`,
        headers: reader,
        payload: chatTrace(newTraceHex()),
      });
      expectDenied(write, 403);
      expect(write.json().message).toMatch(/dashboard.*reader.*writer/);
    });

    it('lets a writer ingest over REST and OTLP, and records its name', async () => {
      const res = await createExperiment('by-writer', writer);
      expect(res.statusCode).toBe(201);
      expect(res.json().created_by).toBe('ingest-bot');
      const rest = await t.app.inject({
        method: 'POST',
        url: `/api/v1/experiments/${experimentId}/traces`,
        headers: writer,
        payload: chatTrace(newTraceHex()),
      });
      expect(rest.statusCode).toBe(200);
      const otlp = otlpJsonRequest(newTraceHex(), [{ id: 1, name: 'root', startMs: 0, endMs: 5 }]);
      const denied = await t.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { 'x-assay-experiment-id': experimentId },
        payload: otlp,
      });
      expectDenied(denied, 401);
      const allowed = await t.app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { ...writer, 'x-assay-experiment-id': experimentId },
        payload: otlp,
      });
      expect(allowed.statusCode).toBe(200);
    });

    it('lets an admin do what a writer does', async () => {
      expect((await createExperiment('by-admin', admin)).statusCode).toBe(201);
    });

    it('refuses a revoked token', async () => {
      const headers = await t.tokenHeaders('writer', 'short-lived');
      expect((await createExperiment('before-revoke', headers)).statusCode).toBe(201);
      await revokeToken(t.ctx.db, 'short-lived');
      expectDenied(await createExperiment('after-revoke', headers), 401);
    });

    it('keeps health, metrics and the OpenAPI document public', async () => {
      for (const url of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) {
        expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
      }
    });

    it('refuses a writer on the admin routes and lets an admin in', async () => {
      // Every route is walked in auth-matrix.test.ts; these are the ones an operator relies on.
      const monitor = `/api/v1/experiments/${experimentId}/monitor`;
      const adminOnly = [
        { method: 'PUT' as const, url: monitor, payload: { results_schema: 'auth_test', scorers: [{ name: 'safety' }] } },
        { method: 'POST' as const, url: `${monitor}/run` },
        { method: 'GET' as const, url: '/api/v1/tokens' },
        { method: 'POST' as const, url: '/api/v1/tokens', payload: { name: 'by-writer', role: 'admin' } },
      ];
      for (const request of adminOnly) {
        const denied = await t.app.inject({ ...request, headers: writer });
        expectDenied(denied, 403);
        expect(denied.json().message, request.url).toMatch(/ingest-bot.*writer.*admin/);
      }
      expect((await t.app.inject({ ...adminOnly[0]!, headers: admin })).statusCode).toBe(201);
      expect((await t.app.inject({ ...adminOnly[2]!, headers: admin })).json().tokens.map((tk: { name: string }) => tk.name)).not.toContain('by-writer');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: admin })).json()).toMatchObject({ name: 'ops', role: 'admin' });
    });
  });
});
