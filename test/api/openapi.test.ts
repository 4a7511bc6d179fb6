/** The OpenAPI document describes every route: a tag, a summary, the role it needs, and its schemas. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedRoutes } from '../../src/api/route-table.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: { required?: string[] } }> }>;
  'x-request-body'?: string;
}

describe('GET /api/v1/openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ db: 'pglite' });
  });
  afterAll(() => t?.close());

  // First, before anything asks for the document: a start converts no zod schema and compiles no JSON Schema.
  it('leaves JSON Schemas out of the routes, so a start compiles none', () => {
    const routes = recordedRoutes(t.app);
    expect(routes.length).toBeGreaterThan(40);
    const compiled = routes.filter((r) => ['body', 'querystring', 'params', 'headers', 'response'].some((k) => r.schema && k in r.schema));
    expect(compiled.map((r) => `${[r.method].flat().join(',')} ${r.url}`)).toEqual([]);
  });

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

  it('gives every route its request and response schemas, and the JSON error shape for its 4xx', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
        if (success.length === 0) problems.push(`${key}: no success response`);
        // 204 is documented with no content; every other success says what it holds.
        for (const [code, response] of success) {
          if (code === '204' ? response.content !== undefined : !response.content || Object.values(response.content).some((m) => !m.schema)) {
            problems.push(`${key}: response ${code} ${code === '204' ? 'has content' : 'has no schema'}`);
          }
        }
        // A route that takes no body says so in the document.
        if (['post', 'put', 'patch'].includes(method) && !op.requestBody?.content && op['x-request-body'] !== 'none') problems.push(`${key}: no request body`);
        const error = op.responses?.['4XX']?.content?.['application/json']?.schema;
        if (!error?.required?.includes('error_code') || !error.required.includes('message')) problems.push(`${key}: no JSON error shape for 4xx`);
      }
    }
    expect(problems).toEqual([]);
    const otlp = doc.paths['/v1/traces']?.post;
    expect(Object.keys(otlp?.requestBody?.content ?? {}).sort()).toEqual(['application/json', 'application/x-protobuf']);
    expect(Object.keys(doc.paths['/metrics']?.get?.responses?.['200']?.content ?? {})).toEqual(['text/plain']);
  });
});
