/**
 * The outbound policy for requests a user's input points somewhere (evaluation targets): private,
 * loopback, link-local and metadata addresses are refused unless listed in ASSAY_OUTBOUND_ALLOW,
 * checked on the address actually connected to and again at every redirect; bodies are capped;
 * target secrets go only to the origin the operator bound them to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, OutboundHttp } from '../../src/services/outbound-http.ts';
import { jobHandlers } from '../../workers/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { allRunRows, startRun, waitForEvaluation, type Call } from '../support/evaluation.ts';

interface Site {
  url: string;
  requests: Array<{ path: string; authorization: string | undefined; headers: IncomingMessage['headers'] }>;
  server: Server;
}

async function site(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Site> {
  const requests: Site['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization, headers: req.headers });
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('outbound policy', () => {
  let metadata: Site;
  let app: Site;
  let big: Site;

  beforeAll(async () => {
    // Stands for a cloud metadata service or an internal admin page: never to be read back.
    metadata = await site((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('AccessKeyId=AKIA-SECRET'));
    app = await site((req, res) => {
      if (req.url === '/redirect') return res.writeHead(302, { location: `${metadata.url}/latest/meta-data` }).end();
      if (req.url === '/hop') return res.writeHead(307, { location: '/answer' }).end();
      if (req.url === '/elsewhere') return res.writeHead(307, { location: `${big.url}/small` }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ content: 'fine' }));
    });
    big = await site((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url === '/small' ? 'small' : 'x'.repeat(64 * 1024));
    });
  });
  afterAll(async () => {
    for (const s of [metadata, app, big]) await new Promise((r) => s?.server.close(r));
  });

  it('knows private, loopback, link-local, metadata and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses literal private addresses and names that resolve to them, by default', async () => {
    const outbound = new OutboundHttp({ allow: undefined, maxResponseBytes: 1024 });
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[::1]:80/', 'http://[::ffff:127.0.0.1]/', 'file:///etc/passwd', 'http://user:pw@example.com/']) {
      expect(() => outbound.check(url), url).toThrow();
    }
    // `localhost` passes the early check (it is a name) and is refused where the socket connects.
    const port = new URL(metadata.url).port;
    await expect(outbound.request(`http://localhost:${port}/`)).rejects.toThrow(/outbound policy/);
    expect(metadata.requests).toHaveLength(0);
  });

  it('follows redirects only to allowed origins, and caps bodies', async () => {
    const outbound = new OutboundHttp({ allow: [app.url, big.url], maxResponseBytes: 1024 });
    expect((await outbound.request(`${app.url}/hop`)).body.toString()).toContain('fine');
    await expect(outbound.request(`${app.url}/redirect`)).rejects.toThrow(/not listed in ASSAY_OUTBOUND_ALLOW/);
    expect(metadata.requests).toHaveLength(0);
    await expect(outbound.request(`${big.url}/`)).rejects.toThrow(/larger than 1024 bytes/);
  });

  it('keeps credentials for their origin across redirects', async () => {
    const outbound = new OutboundHttp({ allow: [app.url, big.url], maxResponseBytes: 1024 });
    const headers = { authorization: 'Bearer for-app-only', cookie: 'session=app', 'x-api-key': 'app-key', 'x-trace': 'kept' };
    expect((await outbound.request(`${app.url}/hop`, { headers })).body.toString()).toContain('fine');
    expect(app.requests.at(-1)!.authorization).toBe('Bearer for-app-only');
    expect((await outbound.request(`${app.url}/elsewhere`, { headers })).body.toString()).toBe('small');
    const arrived = big.requests.at(-1)!;
    expect(arrived.path).toBe('/small');
    expect(arrived.authorization).toBeUndefined();
    expect(arrived.headers).toMatchObject({ 'x-trace': 'kept' });
    expect(arrived.headers).not.toHaveProperty('cookie');
    expect(arrived.headers).not.toHaveProperty('x-api-key');
  });

  describe('through evaluation runs', () => {
    let t: TestApp;
    let call: Call;

    beforeAll(async () => {
      process.env.OUTBOUND_TEST_API_KEY = 'sk-bound-to-app';
      t = await startTestApp({
        env: { ASSAY_OUTBOUND_ALLOW: `${app.url},${big.url}`, ASSAY_TARGET_SECRETS: `OUTBOUND_TEST_API_KEY@${app.url}`, ASSAY_OUTBOUND_MAX_RESPONSE_BYTES: '4096' },
      });
      await t.ctx.queue.startWorker(jobHandlers(t.ctx), { concurrency: 2 });
      const headers = await t.tokenHeaders('writer');
      call = async (method, url, payload) => {
        const res = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
        return { status: res.statusCode, body: res.json() };
      };
    });
    afterAll(async () => {
      delete process.env.OUTBOUND_TEST_API_KEY;
      await t?.close();
    });

    const records = [{ inputs: { question: 'q' } }];

    it('refuses a target outside the policy with a 400 naming the field', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data', metadata.url]) {
        const res = await call('POST', '/api/v1/evaluations', { data: { records }, target: { type: 'http', url } });
        expect(res.status, url).toBe(400);
        expect(res.body.message).toMatch(/^target\.url: /);
      }
      const chat = await call('POST', '/api/v1/evaluations', { data: { records }, target: { type: 'openai_chat', base_url: 'http://[fd00:ec2::254]/v1', model: 'm' } });
      expect(chat.status).toBe(400);
      expect(chat.body.message).toMatch(/^target\.base_url: /);
    });

    it('never stores what a redirect to a refused address would answer', async () => {
      const runId = await startRun(call, { data: { records }, target: { type: 'http', url: `${app.url}/redirect`, api_key_env: 'OUTBOUND_TEST_API_KEY' } });
      await waitForEvaluation(call, runId);
      const [row] = await allRunRows(call, runId);
      expect(row!.status).toBe('errored');
      expect(row!.outputs).toBeNull();
      expect(row!.error).toMatch(/not listed in ASSAY_OUTBOUND_ALLOW/);
      expect(JSON.stringify(row)).not.toContain('AKIA');
      expect(metadata.requests).toHaveLength(0);
      // The bound secret went to its origin only.
      expect(app.requests.at(-1)!.authorization).toBe('Bearer sk-bound-to-app');
    });

    it('sends a secret only to the origin it is bound to, and never says which variables exist', async () => {
      const elsewhere = await call('POST', '/api/v1/evaluations', {
        data: { records },
        target: { type: 'openai_chat', base_url: `${big.url}/v1`, model: 'm', api_key_env: 'OUTBOUND_TEST_API_KEY' },
      });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.message).toContain('target.api_key_env');
      // A set variable (HOME, PATH) and an unset one get the same answer.
      const home = await call('POST', '/api/v1/evaluations', { data: { records }, target: { type: 'http', url: `${app.url}/`, api_key_env: 'PATH' } });
      const none = await call('POST', '/api/v1/evaluations', { data: { records }, target: { type: 'http', url: `${app.url}/`, api_key_env: 'NO_SUCH_VARIABLE_X' } });
      expect(home.status).toBe(400);
      expect(none.status).toBe(400);
      expect(home.body.message.replace('PATH', 'X')).toBe(none.body.message.replace('NO_SUCH_VARIABLE_X', 'X'));
      const cookie = await call('POST', '/api/v1/evaluations', { data: { records }, target: { type: 'http', url: `${app.url}/`, headers: { Cookie: 'session=1' } } });
      expect(cookie.status).toBe(400);
    });
  });
});
