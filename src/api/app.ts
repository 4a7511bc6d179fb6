/** The HTTP application: plugins, auth, error mapping, and every route module. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { httpRequests } from '../observability/metrics.ts';
import { registerAuth } from './auth.ts';
import { recordedRoutes, recordRoutes } from './route-table.ts';
import { describeRoute } from './openapi-docs.ts';
import { openApiSpec } from './openapi-spec.ts';
import { documented } from './openapi-schema.ts';
import { openApiJson } from './schemas/common.ts';
import type { AppContext } from './context.ts';
import { errorResponse } from './error-status.ts';
import { parseJsonBody } from './json-body.ts';
import { assessmentRoutes } from './routes/assessments.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { evaluationRoutes } from './routes/evaluations.ts';
import { experimentRoutes } from './routes/experiments.ts';
import { healthRoutes } from './routes/health.ts';
import { labelingSessionRoutes } from './routes/labeling-sessions.ts';
import { monitorAlertRoutes } from './routes/monitor-alerts.ts';
import { monitorDecisionRoutes } from './routes/monitor-decisions.ts';
import { judgeRoutes } from './routes/judges.ts';
import { monitorRoutes } from './routes/monitors.ts';
import { otlpRoutes } from './routes/otlp.ts';
import { overviewRoutes } from './routes/overview.ts';
import { scorerRoutes } from './routes/scorers.ts';
import { searchRoutes } from './routes/search.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { traceRoutes } from './routes/traces.ts';
import { whoamiRoutes } from './routes/whoami.ts';
import { registerWebConsole } from './web-console.ts';

/** Route modules, registered in this order. Add new resources here. */
const ROUTES: Array<(app: FastifyInstance, ctx: AppContext) => Promise<void>> = [
  healthRoutes,
  experimentRoutes,
  traceRoutes,
  assessmentRoutes,
  otlpRoutes,
  monitorRoutes,
  monitorDecisionRoutes,
  monitorAlertRoutes,
  searchRoutes,
  sessionRoutes,
  judgeRoutes,
  datasetRoutes,
  scorerRoutes,
  evaluationRoutes,
  labelingSessionRoutes,
  overviewRoutes,
  tokenRoutes,
  whoamiRoutes,
];

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Requests are counted in /metrics; a log line each would drown everything else at ingest rates.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimitBytes,
    // Big batches of traces take time to parse; a slow client is not an error.
    requestTimeout: 120_000,
  });

  recordRoutes(app);

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorResponse(error, { bodyLimitBytes: ctx.config.bodyLimitBytes });
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(status).send(body);
  });
  const console_ = ctx.config.ui ? await registerWebConsole(app, ctx) : null;
  app.setNotFoundHandler((request, reply) => {
    if (console_?.wantsPage(request)) return reply.type('text/html').header('cache-control', 'no-cache').send(console_.page);
    return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });
  app.addHook('onResponse', async (request, reply) => {
    httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode });
  });

  // JSON only: a text/plain body is a 415, and a poisoned key is named rather than called invalid JSON.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  registerAuth(app, ctx);
  app.addHook('onRoute', describeRoute);
  for (const routes of ROUTES) await routes(app, ctx);
  // Built on the first request: a start does not pay for the document (or for @fastify/swagger).
  let spec: Promise<Record<string, unknown>> | undefined;
  app.get('/api/v1/openapi.json', { config: { role: 'public' }, ...documented({ response: { 200: openApiJson } }) }, async () => {
    spec ??= openApiSpec(recordedRoutes(app)).catch((error: unknown) => {
      spec = undefined;
      throw error;
    });
    return spec;
  });
  return app;
}
