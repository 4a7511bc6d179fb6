/** A webhook receiver for tests: records every request (headers and raw body) and can fail on cue. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  origin: string;
  received: ReceivedHook[];
  /** The next `n` requests to `path` get `status` (default 500). */
  failNext(path: string, n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const failures = new Map<string, { left: number; status: number }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const failing = failures.get(path);
      let status = 200;
      if (failing && failing.left > 0) {
        failing.left -= 1;
        status = failing.status;
      }
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    origin,
    received,
    failNext(path, n, status = 500) {
      failures.set(path, { left: n, status });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
