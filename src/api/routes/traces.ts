/** Trace ingest in MLflow JSON, trace reads and a simple per-experiment list. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../domain/errors.ts';
import { mlflowPayloadSchema, parseMlflowPayload } from '../../domain/mlflow-trace.ts';
import { ingestRejected } from '../../observability/metrics.ts';
import { ingestTraces } from '../../services/ingest.ts';
import { getExperiment } from '../../storage/experiment-repository.ts';
import { listTraceInfos, loadStoredTraces } from '../../storage/trace-repository.ts';
import type { AppContext } from '../context.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';
import { traceInfoToJson, traceToJson } from '../trace-json.ts';
import { documented } from '../openapi-schema.ts';
import { traceJson, traceListJson } from '../schemas/traces.ts';
import { traceToMlflowJson } from '../mlflow-trace-json.ts';
import { traceIdParam } from '../trace-id-param.ts';
import { parseWith } from '../validate.ts';
import { errorResponse } from '../error-status.ts';

const listQuery = z.object({
  max_results: z.coerce.number().int().min(1).max(1000).default(100),
  page_token: z.string().optional(),
});
const cursor = z.object({ t: z.number(), id: z.string() });
const traceQuery = z.object({
  /** `assay` (default): Assay's JSON with decoded attributes; `mlflow`: exactly what MLflow's `Trace.to_json()` writes. */
  format: z.enum(['assay', 'mlflow'], { error: "must be 'assay' or 'mlflow'" }).default('assay'),
});

/** What an ingest wrote: traces and spans counted, and each trace's id in the order sent. */
const ingestJson = z.object({ traces: z.number(), spans: z.number(), trace_ids: z.array(z.string()) });

export async function traceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Params: { id: string } }>(
    '/api/v1/experiments/:id/traces',
    { config: { role: 'writer' }, ...documented({ body: mlflowPayloadSchema, response: { 200: ingestJson } }) },
    async (request, reply) => {
      try {
        const incoming = parseMlflowPayload(request.body);
        const result = await ingestTraces(ctx.db, request.params.id, incoming, 'rest');
        return reply.code(200).send(result);
      } catch (error) {
        ingestRejected.inc({ protocol: 'rest', code: errorResponse(error).body.error_code });
        throw error;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/experiments/:id/traces', { config: { role: 'reader' }, ...documented({ querystring: listQuery, response: { 200: traceListJson } }) }, async (request) => {
    const experiment = await getExperiment(ctx.db, request.params.id);
    const query = parseWith(listQuery, request.query);
    const after = query.page_token ? decodePageToken(query.page_token, cursor) : undefined;
    const infos = await listTraceInfos(ctx.db, Number(experiment.experiment_id), {
      limit: query.max_results,
      ...(after ? { after: { request_time: after.t, trace_id: after.id } } : {}),
    });
    const last = infos.at(-1);
    return {
      traces: infos.map((info) => traceInfoToJson(info)),
      ...(last && infos.length === query.max_results
        ? { next_page_token: encodePageToken({ t: last.request_time, id: last.trace_id }) }
        : {}),
    };
  });

  app.get<{ Params: { traceId: string } }>(
    '/api/v1/traces/:traceId',
    // The documented answer is Assay's form; `?format=mlflow` answers MLflow's (see the route's summary).
    { config: { role: 'reader' }, ...documented({ querystring: traceQuery, response: { 200: traceJson } }) },
    async (request, reply) => {
      const { format } = parseWith(traceQuery, request.query);
      const [trace] = await loadStoredTraces(ctx.db, [traceIdParam(request.params.traceId)]);
      if (!trace) throw notFound(`trace_id: trace '${request.params.traceId}' does not exist`);
      if (format === 'mlflow') return reply.type('application/json').send(traceToMlflowJson(trace));
      return traceToJson(trace);
    },
  );
}
