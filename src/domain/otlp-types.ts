/**
 * An OTLP `ExportTraceServiceRequest` as the decoder hands it to the mapping: protobuf and JSON
 * encodings reduced to one shape (ids as bytes, times as bigint, status as a name). Field names
 * follow the OTLP JSON encoding so error paths read the same for both encodings.
 */
import type { JsonObject, JsonValue } from './trace.ts';

/** OTLP `AnyValue`; exactly one field is set (none for an empty value). */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64: a number, or decimal text when it came as text (JSON, protobuf longs). */
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  /** Bytes, or their base64 text as OTLP JSON writes them. */
  bytesValue?: Uint8Array | string;
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue | null;
}

export type OtlpStatusCode = 'UNSET' | 'OK' | 'ERROR';

export interface OtlpEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: OtlpKeyValue[];
}

export interface OtlpSpan {
  /** Should be 16 bytes; the mapping checks, so the error names the span. */
  traceId: Uint8Array;
  /** Should be 8 bytes. */
  spanId: Uint8Array;
  /** Empty or absent for a root span. */
  parentSpanId: Uint8Array | null;
  name: string;
  startTimeUnixNano: bigint;
  /** null (or 0 on the wire) while the span has not ended. */
  endTimeUnixNano: bigint | null;
  attributes: OtlpKeyValue[];
  events: OtlpEvent[];
  status: { code: OtlpStatusCode; message: string };
}

export interface OtlpScopeSpans {
  scope: { name: string; version: string } | null;
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] } | null;
  scopeSpans: OtlpScopeSpans[];
}

/** An OTLP `AnyValue` as JSON: int64 beyond 2^53 stays decimal text, bytes become base64 text. */
export function anyValueToJson(value: OtlpAnyValue | null | undefined): JsonValue {
  if (value == null) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(anyValueToJson);
  if (value.kvlistValue !== undefined) return keyValuesToJson(value.kvlistValue.values);
  if (value.bytesValue !== undefined) {
    const b = value.bytesValue;
    return typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  }
  return null;
}

/** OTLP attributes as a JSON object; a repeated key keeps its last value. */
export function keyValuesToJson(attributes: readonly OtlpKeyValue[]): JsonObject {
  const out: JsonObject = {};
  for (const { key, value } of attributes) out[key] = anyValueToJson(value);
  return out;
}
