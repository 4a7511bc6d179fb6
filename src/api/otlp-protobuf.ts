/**
 * The protobuf side of OTLP decoding. The generated decoder has already checked every wire type,
 * so its object is reshaped directly — the zod schema that guards the JSON encoding would only
 * re-check what protobuf guarantees, at a cost that showed in ingest throughput. Id lengths are
 * still checked by the mapping, which names the span.
 */
import type { OtlpAnyValue, OtlpKeyValue, OtlpResourceSpans, OtlpSpan, OtlpStatusCode } from '../domain/otlp-types.ts';

/** What `toObject(message, {longs: String, enums: Number, defaults: false})` hands back. */
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: PbKeyValue[];
  events?: Array<{ name?: string; timeUnixNano?: string | number; attributes?: PbKeyValue[] }>;
  status?: { code?: number; message?: string };
}
export interface PbExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: PbKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: PbSpan[] }>;
  }>;
}

const STATUS: Record<number, OtlpStatusCode> = { 0: 'UNSET', 1: 'OK', 2: 'ERROR' };

export function fromProtobufObject(request: PbExportRequest): OtlpResourceSpans[] {
  return (request.resourceSpans ?? []).map((rs) => ({
    resource: rs.resource ? { attributes: keyValues(rs.resource.attributes) } : null,
    scopeSpans: (rs.scopeSpans ?? []).map((ss) => ({
      scope: ss.scope ? { name: ss.scope.name ?? '', version: ss.scope.version ?? '' } : null,
      spans: (ss.spans ?? []).map(span),
    })),
  }));
}

function span(s: PbSpan): OtlpSpan {
  const end = BigInt(s.endTimeUnixNano ?? 0);
  return {
    traceId: s.traceId ?? new Uint8Array(0),
    spanId: s.spanId ?? new Uint8Array(0),
    parentSpanId: s.parentSpanId && s.parentSpanId.length > 0 ? s.parentSpanId : null,
    name: s.name ?? '',
    startTimeUnixNano: BigInt(s.startTimeUnixNano ?? 0),
    // 0 is proto3's "not set": the span has not ended.
    endTimeUnixNano: end === 0n ? null : end,
    attributes: keyValues(s.attributes),
    events: (s.events ?? []).map((e) => ({
      name: e.name ?? '',
      timeUnixNano: BigInt(e.timeUnixNano ?? 0),
      attributes: keyValues(e.attributes),
    })),
    status: { code: STATUS[s.status?.code ?? 0] ?? 'UNSET', message: s.status?.message ?? '' },
  };
}

function keyValues(list: PbKeyValue[] | undefined): OtlpKeyValue[] {
  return (list ?? []).map((kv) => ({ key: kv.key ?? '', value: kv.value ? anyValue(kv.value) : null }));
}

function anyValue(v: PbAnyValue): OtlpAnyValue {
  if (v.arrayValue) return { arrayValue: { values: (v.arrayValue.values ?? []).map(anyValue) } };
  if (v.kvlistValue) return { kvlistValue: { values: keyValues(v.kvlistValue.values) } };
  return v as OtlpAnyValue;
}
