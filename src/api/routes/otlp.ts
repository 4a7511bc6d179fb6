/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`), protobuf or JSON. The experiment comes from the
 * `x-assay-experiment-id` (or `x-mlflow-experiment-id`) header, else from the resource attribute
 * `assay.experiment_id`; the header wins.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { decodeOtlpRequest } from '../otlp-decode.ts';
import { invalid } from '../../domain/errors.ts';
import { mapOtlpSpans } from '../../domain/otlp-mapping.ts';
import type { IncomingTrace } from '../../domain/trace.ts';
import { ingestRejected } from '../../observability/metrics.ts';
import { ingestTraces } from '../../services/ingest.ts';
import { getExperiment } from '../../storage/experiment-repository.ts';
import type { AppContext } from '../context.ts';
import { errorResponse } from '../error-status.ts';

export async function otlpRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Encapsulated, so the protobuf parser applies here only, and any other media type gets the 415
  // the OTLP/HTTP spec asks for instead of reaching the decoder as text.
  await app.register(async (scope) => otlpRoute(scope, ctx));
}

async function otlpRoute(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  // Fastify's own JSON parser, so `__proto__` and `constructor` keys are refused as everywhere else.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.post('/v1/traces', { config: { role: 'writer' } }, async (request, reply) => {
    try {
      const contentType = String(request.headers['content-type'] ?? 'application/json');
      const traces = mapOtlpSpans(decodeOtlpRequest(request.body as Buffer | unknown, contentType));
      const header = request.headers['x-assay-experiment-id'] ?? request.headers['x-mlflow-experiment-id'];
      const fromHeader = Array.isArray(header) ? header[0] : header;
      const groups = groupByExperiment(traces, fromHeader);
      // Every experiment is checked before anything is written: a request naming an unknown one
      // (resource attributes may differ per resource) writes nothing.
      for (const experimentId of groups.keys()) await getExperiment(ctx.db, experimentId);
      let spans = 0;
      for (const [experimentId, group] of groups) {
        spans += (await ingestTraces(ctx.db, experimentId, group, 'otlp')).spans;
      }
      return send(reply, contentType, { partialSuccess: {}, spans });
    } catch (error) {
      ingestRejected.inc({ protocol: 'otlp', code: errorResponse(error).body.error_code });
      throw error;
    }
  });
}

function groupByExperiment(traces: IncomingTrace[], header: string | undefined): Map<string, IncomingTrace[]> {
  const out = new Map<string, IncomingTrace[]>();
  for (const trace of traces) {
    const experimentId = header ?? trace.experiment_hint;
    if (!experimentId) {
      throw invalid(
        'x-assay-experiment-id: no experiment given; send the header or the resource attribute assay.experiment_id',
      );
    }
    const list = out.get(experimentId);
    if (list) list.push(trace);
    else out.set(experimentId, [trace]);
  }
  return out;
}

function send(reply: FastifyReply, contentType: string, body: Record<string, unknown>) {
  // An empty ExportTraceServiceResponse is zero bytes in protobuf.
  if (contentType.includes('protobuf')) return reply.code(200).type('application/x-protobuf').send(Buffer.alloc(0));
  return reply.code(200).send(body);
}
