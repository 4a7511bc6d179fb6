/** The OpenAPI document describes every route: a tag, a summary, the role it needs, and its schemas. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('GET /api/v1/openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ db: 'pglite' });
  });
  afterAll(() => t?.close());

  it('documents every operation with a tag, a summary and its role', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[]; description?: string }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(40);
    for (const { key, op } of operations) {
      expect(op.summary, key).toBeTruthy();
      expect(op.tags?.length, key).toBe(1);
      expect(op.description, key).toMatch(/role|No token/);
    }
    expect(doc.paths['/api/v1/experiments/{id}/monitor']?.put?.description).toContain('admin');
  });

  it('gives request and response schemas to every route but the few listed (the list may only shrink)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, { content?: unknown }> }>>;
    };
    const noResponse: string[] = [];
    const noBody: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (!Object.entries(op.responses ?? {}).some(([code, r]) => code.startsWith('2') && r.content)) noResponse.push(key);
        if (['post', 'put', 'patch'].includes(method) && !op.requestBody) noBody.push(key);
      }
    }
    // Not JSON (probes, metrics, OTLP, the document itself), no content (deletes), or still to describe.
    expect(noResponse.sort()).toEqual([
      'DELETE /api/v1/datasets/{name}', 'DELETE /api/v1/datasets/{name}/records/{recordId}', 'DELETE /api/v1/evaluations/{id}',
      'DELETE /api/v1/experiments/{id}/monitor', 'DELETE /api/v1/labeling-sessions/{id}', 'DELETE /api/v1/labeling-sessions/{id}/traces/{traceId}',
      'DELETE /api/v1/traces/{traceId}/assessments/{assessmentId}',
      'GET /api/v1/datasets/{name}/records', 'GET /api/v1/datasets/{name}/versions', 'GET /api/v1/evaluations', 'GET /api/v1/evaluations/compare',
      'GET /api/v1/evaluations/{id}', 'GET /api/v1/evaluations/{id}/rows', 'GET /api/v1/openapi.json', 'GET /healthz', 'GET /metrics', 'GET /readyz',
      'PATCH /api/v1/datasets/{name}/records/{recordId}', 'POST /api/v1/datasets/{name}/records/delete', 'POST /api/v1/datasets/{name}/synthesize',
      'POST /api/v1/evaluations', 'POST /api/v1/scorers/run', 'POST /v1/traces',
    ].sort());
    // Bodies checked by the MLflow trace parser (not zod), OTLP, and a body-less run.
    expect(noBody.sort()).toEqual([
      'POST /api/v1/datasets/{name}/synthesize', 'POST /api/v1/experiments/{id}/monitor/run', 'POST /api/v1/experiments/{id}/traces',
      'POST /v1/traces',
    ].sort());
  });
});
