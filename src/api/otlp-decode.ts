/**
 * OTLP/HTTP trace export bodies (`ExportTraceServiceRequest`) in protobuf or JSON, reduced to one
 * shape for `mapOtlpSpans`. Protobuf goes through the generated code shipped in
 * `@opentelemetry/otlp-transformer` (the same the SDK exporters encode with), never a hand-written
 * decoder.
 */
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { z } from 'zod';
import { invalid } from '../domain/errors.ts';
import type { OtlpAnyValue, OtlpKeyValue, OtlpResourceSpans, OtlpStatusCode } from '../domain/otlp-types.ts';
import { fieldError, parseOrThrow } from '../domain/payload-errors.ts';
import { idTextToBytes, SPAN_ID_BYTES, TRACE_ID_BYTES } from '../domain/trace-ids.ts';
import { fromProtobufObject, type PbExportRequest } from './otlp-protobuf.ts';

/** The part of the generated protobufjs static module used here (its typings call it a plain Root). */
interface ExportTraceServiceRequestType {
  decode(reader: Uint8Array): object;
  toObject(message: object, options: { longs?: unknown; enums?: unknown; defaults?: boolean }): unknown;
}
interface ExportTraceServiceResponseType {
  fromObject(object: object): object;
  encode(message: object): { finish(): Uint8Array };
}
const traceV1 = (
  otlpRoot as unknown as {
    opentelemetry: {
      proto: {
        collector: {
          trace: { v1: { ExportTraceServiceRequest: ExportTraceServiceRequestType; ExportTraceServiceResponse: ExportTraceServiceResponseType } };
        };
      };
    };
  }
).opentelemetry.proto.collector.trace.v1;
const requestType = traceV1.ExportTraceServiceRequest;
const responseType = traceV1.ExportTraceServiceResponse;

/**
 * An `ExportTraceServiceResponse` in protobuf: empty when everything was taken, else with
 * `partial_success {rejected_spans, error_message}`.
 */
export function encodeExportResponse(rejectedSpans: number, errorMessage: string): Buffer {
  const message = rejectedSpans > 0 ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return Buffer.from(responseType.encode(responseType.fromObject(message)).finish());
}

const int64Text = z.union([z.number().int(), z.string().regex(/^-?\d+$/), z.bigint()]);
const NANOS_ERROR = 'must be a non-negative integer number of nanoseconds';
// The message sits on each member too: zod reports the member whose type matched.
const nanos = z
  .union([z.number().int(NANOS_ERROR).nonnegative(NANOS_ERROR), z.string().regex(/^\d+$/, NANOS_ERROR), z.bigint().nonnegative(NANOS_ERROR)], {
    error: NANOS_ERROR,
  })
  .transform((v) => BigInt(v));
const bytesOrText = z.union([z.instanceof(Uint8Array), z.string()], { error: 'must be bytes (hex or base64)' });

const id = (byteLength: number) =>
  bytesOrText.transform((value, ctx) => {
    if (value instanceof Uint8Array) return value;
    const bytes = idTextToBytes(value, byteLength);
    if (bytes !== null) return bytes;
    ctx.addIssue({ code: 'custom', message: 'not a valid hex or base64 id' });
    return z.NEVER;
  });

// proto3 JSON writes non-finite doubles as text.
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).transform(Number);

const anyValue: z.ZodType<OtlpAnyValue, unknown> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64Text.transform((v) => (typeof v === 'bigint' ? v.toString() : v)).optional(),
    doubleValue: double.optional(),
    arrayValue: z.object({ values: z.array(anyValue).default([]) }).optional(),
    kvlistValue: z.object({ values: z.array(keyValue).default([]) }).optional(),
    bytesValue: bytesOrText.optional(),
  }),
);

const keyValue: z.ZodType<OtlpKeyValue, unknown> = z.object({
  key: z.string(),
  value: anyValue.nullish().transform((v) => v ?? null),
});
const attributes = z.array(keyValue).default([]);

const STATUS_NAMES: Record<string, OtlpStatusCode> = {
  '0': 'UNSET',
  '1': 'OK',
  '2': 'ERROR',
  STATUS_CODE_UNSET: 'UNSET',
  STATUS_CODE_OK: 'OK',
  STATUS_CODE_ERROR: 'ERROR',
};
const statusCode = z.union([z.number(), z.string()]).transform((value, ctx): OtlpStatusCode => {
  const code = STATUS_NAMES[String(value).toUpperCase()];
  if (code !== undefined) return code;
  ctx.addIssue({ code: 'custom', message: 'must be STATUS_CODE_UNSET, STATUS_CODE_OK or STATUS_CODE_ERROR (0, 1, 2)' });
  return z.NEVER;
});

const span = z.object({
  traceId: id(TRACE_ID_BYTES),
  spanId: id(SPAN_ID_BYTES),
  parentSpanId: id(SPAN_ID_BYTES)
    .nullish()
    .transform((v) => (v == null || v.length === 0 ? null : v)),
  name: z.string().default(''),
  startTimeUnixNano: nanos.default(0n),
  // 0 is proto3's "not set": the span has not ended.
  endTimeUnixNano: nanos.nullish().transform((v) => (v == null || v === 0n ? null : v)),
  attributes,
  events: z.array(z.object({ name: z.string().default(''), timeUnixNano: nanos.default(0n), attributes })).default([]),
  status: z
    .object({ code: statusCode.default('UNSET'), message: z.string().default('') })
    .nullish()
    .transform((s) => s ?? { code: 'UNSET' as const, message: '' }),
});

const exportRequest = z.object(
  {
    resourceSpans: z
      .array(
        z.object({
          resource: z.object({ attributes }).nullish().transform((r) => r ?? null),
          scopeSpans: z
            .array(
              z.object({
                scope: z
                  .object({ name: z.string().default(''), version: z.string().default('') })
                  .nullish()
                  .transform((s) => s ?? null),
                spans: z.array(span).default([]),
              }),
            )
            .default([]),
        }),
      )
      .default([]),
  },
  { error: 'must be an ExportTraceServiceRequest object' },
);

/**
 * Decodes an OTLP/HTTP trace export body. `contentType` chooses the encoding:
 * `application/x-protobuf` (body as bytes) or `application/json` (bytes, text or parsed JSON; ids
 * as hex per the OTLP JSON encoding, base64 also accepted). Throws `INVALID_PARAMETER_VALUE`
 * naming the field.
 */
export function decodeOtlpRequest(body: Buffer | unknown, contentType: string): OtlpResourceSpans[] {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') {
    return fromProtobufObject(decodeProtobuf(body));
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    return parseOrThrow(exportRequest, camelizeKeys(parseJsonBody(body)), '').resourceSpans;
  }
  throw invalid(`content-type: must be application/x-protobuf or application/json, got ${JSON.stringify(contentType)}`);
}

function decodeProtobuf(body: unknown): PbExportRequest {
  if (!(body instanceof Uint8Array)) throw fieldError('body', 'must be the raw protobuf bytes');
  try {
    const message = requestType.decode(body);
    // Longs as decimal text keep nanosecond precision; bytes stay bytes.
    return requestType.toObject(message, { longs: String, enums: Number, defaults: false }) as PbExportRequest;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw fieldError('body', `not a valid protobuf ExportTraceServiceRequest (${reason})`);
  }
}

function parseJsonBody(body: unknown): unknown {
  if (!(body instanceof Uint8Array) && typeof body !== 'string') return body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch {
    throw fieldError('body', 'not valid JSON');
  }
}

/** The proto3 JSON mapping also allows the proto's snake_case field names (`resource_spans`). */
function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = camelizeKeys(v);
  }
  return out;
}
