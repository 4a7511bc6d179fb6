/** Request bodies: JSON only (415 for anything else), and a poisoned key is named, not called invalid JSON. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('request bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const post = (contentType: string, payload: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/experiments', headers: { 'content-type': contentType }, payload });

  it('answers 415 to text/plain and forms', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/html']) {
      const res = await post(type, '{"name":"x"}');
      expect(res.statusCode, type).toBe(415);
      expect(res.json().message).toMatch(/^content-type: /);
    }
  });

  it('names a __proto__ or constructor.prototype key', async () => {
    const proto = await post('application/json', '{"name":"x","tags":{"__proto__":{"admin":"yes"}}}');
    expect(proto.statusCode).toBe(400);
    expect(proto.json().message).toMatch(/^body\.tags\.__proto__: the key is not allowed/);
    const ctor = await post('application/json', '{"name":"x","constructor":{"prototype":{"a":1}}}');
    expect(ctor.statusCode).toBe(400);
    expect(ctor.json().message).toMatch(/^body\.constructor\.prototype: /);
  });

  it('still says when JSON is broken or empty, and accepts good JSON', async () => {
    const broken = await post('application/json', '{"name":');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().message).toMatch(/^body: not valid JSON/);
    expect((await post('application/json', '')).statusCode).toBe(400);
    expect((await post('application/json; charset=utf-8', '{"name":"fine","tags":{"constructor":"ok"}}')).statusCode).toBe(201);
  });
});
