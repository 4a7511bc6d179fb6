import { describe, expect, it } from 'vitest';
import { parseMlflowPayload } from '../../src/domain/mlflow-trace.ts';
import { sessionMetadataFromSpans } from '../../src/domain/session.ts';

describe('sessionMetadataFromSpans', () => {
  it('takes the first span naming a session or a user, OpenInference before GenAI', () => {
    expect(
      sessionMetadataFromSpans([
        { attributes: { 'gen_ai.conversation.id': 'g-1' } },
        { attributes: { 'session.id': 's-1', 'user.id': 42 } },
        { attributes: { 'session.id': 's-2', 'user.id': 'u-2' } },
      ]),
    ).toEqual({ 'mlflow.trace.session': 's-1', 'mlflow.trace.user': '42' });
  });

  it('ignores empty strings and values that are not text or numbers', () => {
    expect(sessionMetadataFromSpans([{ attributes: { 'session.id': '', 'user.id': { id: 1 } } }])).toEqual({});
    expect(sessionMetadataFromSpans([{ attributes: { 'gen_ai.conversation.id': 'g-1', 'user.id': true } }])).toEqual({ 'mlflow.trace.session': 'g-1' });
  });
});

describe('MLflow JSON with a session on a span', () => {
  const payload = (metadata: Record<string, string>) => ({
    info: { trace_id: 'tr-' + 'a'.repeat(32), request_time: '2026-03-02T10:00:00Z', trace_metadata: metadata },
    data: {
      spans: [
        { span_id: '0000000000000001', name: 'root', start_time_unix_nano: '1', end_time_unix_nano: '2', attributes: { 'session.id': '"s-span"', 'user.id': '"u-span"' } },
      ],
    },
  });

  it('lifts the span attributes into metadata', () => {
    expect(parseMlflowPayload(payload({}))[0]?.info?.trace_metadata).toEqual({ 'mlflow.trace.session': 's-span', 'mlflow.trace.user': 'u-span' });
  });

  it('keeps what the metadata states', () => {
    expect(parseMlflowPayload(payload({ 'mlflow.trace.session': 's-meta' }))[0]?.info?.trace_metadata).toEqual({
      'mlflow.trace.session': 's-meta',
      'mlflow.trace.user': 'u-span',
    });
  });
});
