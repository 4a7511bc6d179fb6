import { describe, expect, it } from 'vitest';
import { AssayError } from '../../src/domain/errors.ts';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';

const TRACE_ID = 'tr-0123456789abcdef0123456789abcdef';

/** A valid two-span trace; each case breaks one field. */
interface RawTrace {
  info: Record<string, unknown>;
  data: { spans: Record<string, unknown>[] };
}

function validTrace(): RawTrace {
  return {
    info: { trace_id: TRACE_ID, request_time: '2026-03-02T10:00:00Z', tags: {}, trace_metadata: {}, assessments: [] },
    data: {
      spans: [
        { trace_id: 'ASNFZ4mrze8BI0VniavN7w==', span_id: 'AQIDBAUGBwg=', parent_span_id: null, name: 'root', start_time_unix_nano: 10, end_time_unix_nano: 20, attributes: {} },
        { trace_id: 'ASNFZ4mrze8BI0VniavN7w==', span_id: 'AQIDBAUGBwk=', parent_span_id: 'AQIDBAUGBwg=', name: 'child', start_time_unix_nano: 11, end_time_unix_nano: 19, attributes: {} },
      ],
    },
  };
}

const feedback = { assessment_name: 'quality', source: { source_type: 'HUMAN', source_id: 'ann' }, feedback: { value: 'good' } };

function errorOf(body: unknown): AssayError {
  try {
    parseMlflowPayload(body);
  } catch (error) {
    if (error instanceof AssayError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

/** [what, how to break a batch of two valid traces, the message]. */
const cases: [string, (traces: RawTrace[]) => void, string][] = [
  ['bad span id', (t) => (t[1]!.data.spans[1]!.span_id = 'not an id!'), 'traces[1].data.spans[1].span_id: not a valid base64 or hex span id'],
  ['short span id', (t) => (t[0]!.data.spans[0]!.span_id = 'AQID'), 'traces[0].data.spans[0].span_id: not a valid base64 or hex span id'],
  ['missing span id', (t) => delete t[0]!.data.spans[1]!.span_id, 'traces[0].data.spans[1].span_id: required'],
  ['bad parent id', (t) => (t[0]!.data.spans[1]!.parent_span_id = 'zz'), 'traces[0].data.spans[1].parent_span_id: not a valid base64 or hex span id'],
  ['bad span trace id', (t) => (t[0]!.data.spans[0]!.trace_id = 'nope'), 'traces[0].data.spans[0].trace_id: not a valid base64, hex or tr- trace id'],
  [
    'span of another trace',
    (t) => (t[0]!.data.spans[1]!.trace_id = 'ffffffffffffffffffffffffffffffff'),
    `traces[0].data.spans[1].trace_id: tr-ffffffffffffffffffffffffffffffff does not match the trace's id ${TRACE_ID}`,
  ],
  ['duplicate span', (t) => (t[0]!.data.spans[1]!.span_id = '0102030405060708'), 'traces[0].data.spans[1].span_id: duplicate of data.spans[0]'],
  ['duplicate trace', (t) => { t[1]!.info.trace_id = TRACE_ID.toUpperCase().replace('TR-', 'tr-'); t[1]!.data.spans = []; }, 'traces[1].info.trace_id: duplicate of traces[0]'],
  ['bad trace id', (t) => (t[0]!.info.trace_id = 'tr-123'), 'traces[0].info.trace_id: not a valid tr-, hex or base64 trace id'],
  ['no trace id anywhere', (t) => { delete t[0]!.info.trace_id; t[0]!.data.spans = []; }, 'traces[0].info.trace_id: required'],
  ['missing name', (t) => delete t[0]!.data.spans[0]!.name, 'traces[0].data.spans[0].name: required'],
  ['negative start', (t) => (t[0]!.data.spans[0]!.start_time_unix_nano = -1), 'traces[0].data.spans[0].start_time_unix_nano: must be a non-negative integer number of nanoseconds'],
  ['text start', (t) => (t[0]!.data.spans[0]!.start_time_unix_nano = '12abc'), 'traces[0].data.spans[0].start_time_unix_nano: must be a non-negative integer number of nanoseconds'],
  ['end before start', (t) => (t[0]!.data.spans[0]!.end_time_unix_nano = 5), 'traces[0].data.spans[0].end_time_unix_nano: is before start_time_unix_nano'],
  ['bad status', (t) => (t[0]!.data.spans[0]!.status = { code: 'STATUS_CODE_MAYBE' }), 'traces[0].data.spans[0].status.code: must be STATUS_CODE_OK, STATUS_CODE_ERROR or STATUS_CODE_UNSET'],
  ['attributes not an object', (t) => (t[0]!.data.spans[0]!.attributes = ['a']), 'traces[0].data.spans[0].attributes: must be an object'],
  ['spans not a list', (t) => ((t[0]!.data as Record<string, unknown>).spans = {}), 'traces[0].data.spans: Invalid input: expected array, received object'],
  ['zoneless request_time', (t) => (t[0]!.info.request_time = '2026-03-02T10:00:00'), 'traces[0].info.request_time: must be an RFC 3339 time, got "2026-03-02T10:00:00"'],
  ['no times without spans', (t) => { delete t[0]!.info.request_time; t[0]!.data.spans = []; }, 'traces[0].info.request_time: required when the trace has no spans'],
  ['fractional duration', (t) => (t[0]!.info.execution_duration_ms = 1.5), 'traces[0].info.execution_duration_ms: must be a non-negative integer'],
  ['bad state', (t) => (t[0]!.info.state = 'DONE'), 'traces[0].info.state: must be one of OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED'],
  ['number tag', (t) => (t[0]!.info.tags = { env: 3 }), 'traces[0].info.tags.env: must be a string'],
  ['object metadata value', (t) => (t[1]!.info.trace_metadata = { 'mlflow.trace.user': { id: 1 } }), 'traces[1].info.trace_metadata.mlflow.trace.user: must be a string'],
  ['tags not a map', (t) => (t[0]!.info.tags = 'env=prod'), 'traces[0].info.tags: must be an object of strings'],
  ['assessment without name', (t) => (t[0]!.info.assessments = [{ ...feedback, assessment_name: undefined }]), 'traces[0].info.assessments[0].assessment_name: required'],
  ['assessment with both kinds', (t) => (t[0]!.info.assessments = [{ ...feedback, expectation: { value: 1 } }]), 'traces[0].info.assessments[0]: exactly one of feedback or expectation is required'],
  ['assessment with neither kind', (t) => (t[0]!.info.assessments = [{ ...feedback, feedback: undefined }]), 'traces[0].info.assessments[0]: exactly one of feedback or expectation is required'],
  ['bad source type', (t) => (t[0]!.info.assessments = [{ ...feedback, source: { source_type: 'ROBOT' } }]), 'traces[0].info.assessments[0].source.source_type: must be HUMAN, LLM_JUDGE or CODE, got "ROBOT"'],
  ['feedback without source', (t) => (t[0]!.info.assessments = [{ ...feedback, source: undefined }]), 'traces[0].info.assessments[0].source: required for feedback'],
  ['non-string assessment metadata', (t) => (t[0]!.info.assessments = [feedback, { ...feedback, metadata: { tokens: 412 } }]), 'traces[0].info.assessments[1].metadata.tokens: must be a string'],
  ['assessment of another trace', (t) => (t[0]!.info.assessments = [{ ...feedback, trace_id: 'tr-ffffffffffffffffffffffffffffffff' }]), `traces[0].info.assessments[0].trace_id: tr-ffffffffffffffffffffffffffffffff does not match the trace's id ${TRACE_ID}`],
  ['bad assessment span id', (t) => (t[0]!.info.assessments = [{ ...feedback, span_id: 'x' }]), 'traces[0].info.assessments[0].span_id: not a valid base64 or hex span id'],
  ['bad create_time', (t) => (t[0]!.info.assessments = [{ ...feedback, create_time: 'yesterday' }]), 'traces[0].info.assessments[0].create_time: must be an RFC 3339 time, got "yesterday"'],
  [
    'bad serialized expectation',
    (t) => (t[0]!.info.assessments = [{ assessment_name: 'e', expectation: { serialized_value: { serialization_format: 'JSON_FORMAT', value: '{' } } }]),
    'traces[0].info.assessments[0].expectation.serialized_value.value: not valid JSON',
  ],
];

describe('parseMlflowPayload errors name the field', () => {
  it.each(cases)('%s', (_what, breakIt, message) => {
    const second = validTrace();
    second.info.trace_id = 'tr-00000000000000000000000000000001';
    for (const span of second.data.spans) span.trace_id = 'AAAAAAAAAAAAAAAAAAAAAQ==';
    const traces = [validTrace(), second];
    breakIt(traces);
    const error = errorOf({ traces });
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toBe(message);
  });

  it('names fields without a prefix for a single trace', () => {
    const trace = validTrace();
    trace.data.spans[1]!.span_id = '???';
    expect(errorOf(trace).message).toBe('data.spans[1].span_id: not a valid base64 or hex span id');
  });

  it('rejects bodies that are no trace at all', () => {
    expect(errorOf([1, 2]).message).toBe('body: must be an MLflow trace {info, data: {spans}} or {traces: [...]}');
    expect(errorOf({ traces: 'x' }).message).toBe('traces: must be an array of MLflow traces');
    expect(errorOf({ traces: [7] }).message).toBe('traces[0]: must be an MLflow trace object {info, data: {spans}}');
  });

  it('leaves valid input alone', () => {
    expect(parseMlflowPayload({ traces: [validTrace()] })).toHaveLength(1);
  });
});
