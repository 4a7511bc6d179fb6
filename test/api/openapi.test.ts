/** The OpenAPI document describes every route: a tag, a summary and the role it needs. */
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
});
