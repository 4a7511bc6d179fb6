/**
 * OTLP/gRPC trace receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export` on
 * `@grpc/grpc-js`, with messages in the OTLP protobuf encoding through the generated code of
 * `@opentelemetry/otlp-transformer` (the same the HTTP receiver and the SDK exporters use).
 *
 * Same rules as `POST /v1/traces`: the experiment from the `x-assay-experiment-id` (or
 * `x-mlflow-experiment-id`) metadata, else the resource attribute `assay.experiment_id`; a writer
 * token in `authorization: Bearer …` (none needed in open mode); gzip and deflate per message
 * (`grpc-encoding`), with the decompressed size held to the body limit; OTLP partial success when
 * some spans are rejected.
 */
import { Metadata, Server, ServerCredentials, status, type ServiceDefinition, type ServiceError, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { AssayError, type ErrorCode } from '../domain/errors.ts';
import { ingestRejected } from '../observability/metrics.ts';
import { ingestOtlpExport } from '../services/otlp-ingest.ts';
import { createAuthenticator, requireRole } from './auth.ts';
import type { AppContext } from './context.ts';
import { errorResponse } from './error-status.ts';
import { decodeOtlpRequest, encodeExportResponse } from './otlp-decode.ts';

/** The answer before encoding: `rejectedSpans` 0 means full success. */
interface ExportAnswer {
  rejectedSpans: number;
  errorMessage: string;
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

// Bytes in, bytes out: decoding happens in the handler, so a bad message gets an answer naming
// the field instead of grpc-js' generic "could not deserialize".
const traceService: ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (answer: ExportAnswer) => encodeExportResponse(answer.rejectedSpans, answer.errorMessage),
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

// Every Assay error class as the gRPC status OTLP clients act on: only UNAVAILABLE and
// RESOURCE_EXHAUSTED are retried by exporters, the rest drop the batch.
const GRPC_STATUS: Partial<Record<ErrorCode, status>> = {
  INVALID_PARAMETER_VALUE: status.INVALID_ARGUMENT,
  RESOURCE_DOES_NOT_EXIST: status.NOT_FOUND,
  RESOURCE_ALREADY_EXISTS: status.ALREADY_EXISTS,
  RESOURCE_CONFLICT: status.FAILED_PRECONDITION,
  PRECONDITION_FAILED: status.FAILED_PRECONDITION,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  REQUEST_LIMIT_EXCEEDED: status.INVALID_ARGUMENT,
  UNSUPPORTED_MEDIA_TYPE: status.INVALID_ARGUMENT,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  NOT_READY: status.UNAVAILABLE,
};

export interface OtlpGrpcServer {
  /** The port bound (the one asked for, or the one picked for port 0). */
  readonly port: number;
  /** Stops taking calls and waits for the ones running, at most `graceMs`, then cuts them. */
  close(graceMs?: number): Promise<void>;
}

/** Starts the receiver on `host:port` (the API's host, so loopback unless configured otherwise). */
export async function startOtlpGrpcServer(ctx: AppContext, host: string, port: number): Promise<OtlpGrpcServer> {
  const auth = createAuthenticator(ctx, { bindHost: host });
  const server = new Server({
    'grpc.max_receive_message_length': ctx.config.bodyLimitBytes,
  });
  server.addService(traceService, {
    Export: (call: ServerUnaryCall<Buffer, ExportAnswer>, callback: sendUnaryData<ExportAnswer>) => {
      exportTraces(ctx, auth, call).then(
        (answer) => callback(null, answer),
        (error: unknown) => callback(toServiceError(ctx, error)),
      );
    },
  });
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, actual) =>
      error
        ? reject(new Error(`OTLP/gRPC cannot listen on ${address} (${error.message}); set ASSAY_OTLP_GRPC_PORT to a free port or 'off'`, { cause: error }))
        : resolve(actual),
    ),
  );
  return {
    port: bound,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

async function exportTraces(
  ctx: AppContext,
  auth: ReturnType<typeof createAuthenticator>,
  call: ServerUnaryCall<Buffer, ExportAnswer>,
): Promise<ExportAnswer> {
  if (ctx.lifecycle.shuttingDown) throw new AssayError('NOT_READY', 'shutting down; send to another replica or retry');
  const principal = await auth.authenticateHeader(metadataText(call.metadata, 'authorization'));
  requireRole(principal, 'writer');
  const experimentId = metadataText(call.metadata, 'x-assay-experiment-id') ?? metadataText(call.metadata, 'x-mlflow-experiment-id');
  const result = await ingestOtlpExport(ctx.db, decodeOtlpRequest(call.request, 'application/x-protobuf'), experimentId);
  return { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage };
}

function metadataText(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

function toServiceError(ctx: AppContext, error: unknown): Partial<ServiceError> {
  const { status: httpStatus, body } = errorResponse(error);
  ingestRejected.inc({ protocol: 'otlp', code: body.error_code });
  if (httpStatus >= 500 && !(error instanceof AssayError && error.code === 'NOT_READY')) {
    ctx.log.error({ err: error }, 'OTLP/gRPC export failed');
  }
  const code = error instanceof AssayError ? (GRPC_STATUS[error.code] ?? status.INTERNAL) : httpStatus < 500 ? status.INVALID_ARGUMENT : status.INTERNAL;
  return { code, details: body.message };
}
