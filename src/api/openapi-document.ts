/** The OpenAPI document without a database: routes are registered, never called. */
import { loadConfig } from '../../config/index.ts';
import { silentLogger } from '../observability/logger.ts';
import { buildApp } from './app.ts';
import type { AppContext } from './context.ts';
import { openApiSpec } from './openapi-spec.ts';
import { recordedRoutes } from './route-table.ts';

export async function openApiDocument(): Promise<unknown> {
  const ctx = {
    config: loadConfig({ ASSAY_UI: 'false', ASSAY_LOG_LEVEL: 'silent' }),
    log: silentLogger,
    lifecycle: { shuttingDown: false },
  } as unknown as AppContext;
  const app = await buildApp(ctx);
  await app.ready();
  const doc = await openApiSpec(recordedRoutes(app));
  await app.close();
  return doc;
}
