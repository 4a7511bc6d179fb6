import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { describe, expect, it } from 'vitest';
import { decodeOtlpRequest } from '../../src/api/otlp-decode.ts';
import { AssayError } from '../../src/domain/errors.ts';
import { mapOtlpSpans } from '../../src/domain/otlp-mapping.ts';

const good = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 's', startTimeUnixNano: '10', endTimeUnixNano: '20' };
const SPAN = 'resourceSpans[0].scopeSpans[1].spans[2]';

/** A request whose third span of the second scope is `span`. */
function request(span: Record<string, unknown>) {
  return { resourceSpans: [{ scopeSpans: [{ spans: [good] }, { spans: [good, good, span] }] }] };
}

function errorOf(run: () => unknown): AssayError {
  try {
    run();
  } catch (error) {
    if (error instanceof AssayError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

const ingestJson = (body: unknown) => () => mapOtlpSpans(decodeOtlpRequest(body, 'application/json'));

describe('OTLP errors name the field', () => {
  it.each([
    ['a short trace id', { ...good, traceId: 'AQID' }, `${SPAN}.traceId: must be 16 bytes, got 3`],
    ['an all-zero trace id', { ...good, traceId: '0'.repeat(32) }, `${SPAN}.traceId: must not be all zeros`],
    ['a trace-sized span id', { ...good, spanId: good.traceId }, `${SPAN}.spanId: must be 8 bytes, got 16`],
    ['a short parent id', { ...good, parentSpanId: 'AQID' }, `${SPAN}.parentSpanId: must be 8 bytes, got 3`],
    ['an id that is neither hex nor base64', { ...good, traceId: 'zz!' }, `${SPAN}.traceId: not a valid hex or base64 id`],
    ['a missing span id', { ...good, spanId: undefined }, `${SPAN}.spanId: required`],
    ['an end before the start', { ...good, endTimeUnixNano: '5' }, `${SPAN}.endTimeUnixNano: is before startTimeUnixNano`],
    ['a text time', { ...good, startTimeUnixNano: 'soon' }, `${SPAN}.startTimeUnixNano: must be a non-negative integer number of nanoseconds`],
    ['an unknown status', { ...good, status: { code: 7 } }, `${SPAN}.status.code: must be STATUS_CODE_UNSET, STATUS_CODE_OK or STATUS_CODE_ERROR (0, 1, 2)`],
    ['an attribute without key', { ...good, attributes: [{ value: { stringValue: 'x' } }] }, `${SPAN}.attributes[0].key: required`],
  ])('%s', (_what, span, message) => {
    const error = errorOf(ingestJson(request(span)));
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toBe(message);
  });

  it('names nested AnyValue fields', () => {
    const span = { ...good, attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 'many' }] } } }] };
    expect(errorOf(ingestJson(request(span))).message).toMatch(/^resourceSpans\[0\]\.scopeSpans\[1\]\.spans\[2\]\.attributes\[0\]\.value\.arrayValue\.values\[0\]\.intValue: /);
  });

  it('rejects bodies that are not an export request', () => {
    expect(errorOf(ingestJson('{')).message).toBe('body: not valid JSON');
    expect(errorOf(ingestJson({ resourceSpans: 'all' })).message).toBe('resourceSpans: Invalid input: expected array, received string');
    expect(errorOf(ingestJson([1])).message).toBe('body: must be an ExportTraceServiceRequest object');
    expect(errorOf(() => decodeOtlpRequest({}, 'application/x-protobuf')).message).toBe('body: must be the raw protobuf bytes');
    expect(errorOf(() => decodeOtlpRequest(Buffer.from([0x0a, 0xff, 0xff]), 'application/x-protobuf')).message).toMatch(
      /^body: not a valid protobuf ExportTraceServiceRequest \(/,
    );
    expect(errorOf(() => decodeOtlpRequest('x', 'text/plain')).message).toBe(
      'content-type: must be application/x-protobuf or application/json, got "text/plain"',
    );
  });

  it('names the span in protobuf requests too', () => {
    type RequestType = { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
    const type = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: RequestType } } } } } })
      .opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
    const span = { traceId: Buffer.from([1, 2, 3, 4]), spanId: Buffer.alloc(8, 1), name: 's', startTimeUnixNano: 1, endTimeUnixNano: 2 };
    const bytes = type.encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })).finish();
    const error = errorOf(() => mapOtlpSpans(decodeOtlpRequest(Buffer.from(bytes), 'application/x-protobuf')));
    expect(error.message).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId: must be 16 bytes, got 4');
  });
});
