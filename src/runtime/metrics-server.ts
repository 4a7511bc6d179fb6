/**
 * `/metrics`, `/healthz` and `/readyz` for processes without the API (worker, scheduler), on
 * ASSAY_METRICS_PORT. A plain node:http listener: a worker does not load the HTTP framework for three
 * read-only routes. Loopback unless the operator names a host (`0.0.0.0:9464` in a container).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../services/context.ts';
import { metricsText, readiness } from '../services/health.ts';

export interface MetricsServer {
  /** `http://host:port` it listens on. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(ctx: AppContext, address: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, body: unknown) => send(status, 'application/json; charset=utf-8', JSON.stringify(body));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return json(405, { error_code: 'METHOD_NOT_ALLOWED', message: `method: ${request.method} is not allowed; use GET` });
    }
    const path = (request.url ?? '/').split('?')[0];
    const answer = async () => {
      if (path === '/healthz') return json(200, { status: 'ok' });
      if (path === '/readyz') {
        const ready = await readiness(ctx);
        return json(ready.ok ? 200 : 503, ready.body);
      }
      if (path === '/metrics') {
        const { contentType, text } = await metricsText(ctx);
        return send(200, contentType, text);
      }
      return json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `path: ${path} is not served here; try /metrics, /healthz or /readyz` });
    };
    answer().catch((error: unknown) => {
      ctx.log.error({ err: error, path }, 'metrics endpoint failed');
      if (!response.headersSent) json(500, { error_code: 'INTERNAL_ERROR', message: 'metrics endpoint failed' });
      else response.destroy();
    });
  });
  // Scrapers keep connections open; they must not hold a stop back.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`ASSAY_METRICS_PORT: ${address.host}:${address.port} is already in use; give each process on this host its own port, or off`, { cause: error })
          : error,
      );
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
