/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`), protobuf or JSON, plain or compressed (gzip,
 * deflate). The experiment comes from the `x-assay-experiment-id` (or `x-mlflow-experiment-id`)
 * header, else from the resource attribute `assay.experiment_id`; the header wins.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { bodyEncodingOf, decompressedBody } from '../body-encoding.ts';
import type { encodeExportResponse } from '../otlp-decode.ts';
import { ingestRejected } from '../../observability/metrics.ts';
import { ingestOtlpExport, type OtlpExportResult } from '../../services/otlp-ingest.ts';
import type { AppContext } from '../context.ts';
import { errorResponse } from '../error-status.ts';
import { binaryBody, documented } from '../openapi-schema.ts';

/**
 * The OTLP ExportTraceServiceRequest, for the documentation: protobuf bytes, or its JSON mapping
 * (`resourceSpans`, each with `scopeSpans` of `spans`). The OTLP decoder validates it, not this.
 */
const exportRequestJson = z.looseObject({ resourceSpans: z.array(z.looseObject({})).optional() });

/** The ExportTraceServiceResponse: `partialSuccess` names spans refused and why; `spans` counts those stored. */
const exportResponseJson = z.object({
  partialSuccess: z.object({ rejectedSpans: z.number().int().optional(), errorMessage: z.string().optional() }),
  spans: z.number().int(),
});

const otlpBody = { media: { 'application/x-protobuf': binaryBody, 'application/json': exportRequestJson } };
const otlpResponse = { media: { 'application/x-protobuf': binaryBody, 'application/json': exportResponseJson } };

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
  // Collectors and SDKs compress by default. Fastify's body limit then counts decompressed bytes,
  // and the stream itself stops at the limit with a message naming it.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = bodyEncodingOf(request.headers['content-encoding']);
    return encoding === 'identity' ? payload : decompressedBody(payload, encoding, ctx.config.bodyLimitBytes);
  });

  app.post('/v1/traces', { config: { role: 'writer' }, ...documented({ body: otlpBody, response: { 200: otlpResponse } }) }, async (request, reply) => {
    try {
      // Loaded on the first export: the OTLP message definitions are many modules a start can skip.
      const { decodeOtlpRequest, encodeExportResponse } = await import('../otlp-decode.ts');
      const contentType = String(request.headers['content-type'] ?? 'application/json');
      const header = request.headers['x-assay-experiment-id'] ?? request.headers['x-mlflow-experiment-id'];
      const result = await ingestOtlpExport(
        ctx.db,
        decodeOtlpRequest(request.body as Buffer | unknown, contentType),
        Array.isArray(header) ? header[0] : header,
      );
      return send(reply, contentType, result, encodeExportResponse);
    } catch (error) {
      ingestRejected.inc({ protocol: 'otlp', code: errorResponse(error).body.error_code });
      throw error;
    }
  });
}

function send(reply: FastifyReply, contentType: string, result: OtlpExportResult, encode: typeof encodeExportResponse) {
  if (contentType.includes('protobuf')) {
    return reply.code(200).type('application/x-protobuf').send(encode(result.rejectedSpans, result.errorMessage));
  }
  const partialSuccess = result.rejectedSpans > 0 ? { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage } : {};
  return reply.code(200).send({ partialSuccess, spans: result.spans });
}
