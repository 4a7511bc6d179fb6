/** Helpers for dataset tests: MLflow trace payloads with chosen inputs and expectations, API calls. */
import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.ts';

/** A one-span MLflow trace whose root span has these inputs/outputs, with expectation assessments. */
export function traceWith(
  inputs: unknown,
  outputs: unknown,
  expectations: Record<string, unknown> = {},
  tags: Record<string, string> = {},
): { trace_id: string; payload: Record<string, unknown> } {
  const trace_id = `tr-${randomBytes(16).toString('hex')}`;
  const start = 1_772_446_530_250_000_000n;
  return {
    trace_id,
    payload: {
      info: {
        trace_id,
        request_time: '2026-03-02T10:15:30.250Z',
        state: 'OK',
        tags,
        assessments: Object.entries(expectations).map(([name, value], i) => ({
          assessment_id: `a-${randomBytes(6).toString('hex')}`,
          assessment_name: name,
          trace_id,
          source: { source_type: 'HUMAN', source_id: 'labeler' },
          create_time: new Date(Date.UTC(2026, 2, 2, 11, 0, i)).toISOString(),
          expectation: { value },
        })),
      },
      data: {
        spans: [
          {
            span_id: randomBytes(8).toString('hex'),
            parent_span_id: null,
            name: 'root',
            start_time_unix_nano: start.toString(),
            end_time_unix_nano: (start + 1_000_000n).toString(),
            status: { code: 'STATUS_CODE_OK', message: '' },
            attributes: {
              'mlflow.spanType': '"CHAIN"',
              'mlflow.spanInputs': JSON.stringify(inputs),
              'mlflow.spanOutputs': JSON.stringify(outputs),
            },
          },
        ],
      },
    },
  };
}

/** Creates an experiment and ingests the traces into it; returns the experiment id. */
export async function ingest(t: TestApp, headers: Record<string, string>, payloads: unknown[]): Promise<string> {
  const exp = await t.app.inject({
    method: 'POST',
    url: '/api/v1/experiments',
    headers,
    payload: { name: `exp-${randomBytes(4).toString('hex')}` },
  });
  const experimentId = (exp.json() as { experiment_id: string }).experiment_id;
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/experiments/${experimentId}/traces`,
    headers,
    payload: { traces: payloads },
  });
  if (res.statusCode !== 200) throw new Error(`ingest failed: ${res.statusCode} ${res.body}`);
  return experimentId;
}

/** A thin JSON client over `app.inject`. */
export function client(t: TestApp, headers: Record<string, string>) {
  return async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await t.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely, by path
    return { status: res.statusCode, body: (res.body ? res.json() : null) as Record<string, any> };
  };
}
