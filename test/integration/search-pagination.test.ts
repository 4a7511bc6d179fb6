/**
 * Paging a fixed result while traces keep arriving: every trace that existed when paging began
 * shows up exactly once, and no trace shows up twice, whatever lands before, at or after the cursor.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

const BASE = 1_700_000_000_000;

describe('search paging under concurrent inserts', () => {
  let t: TestApp;
  let experimentId: string;
  let inserted = 0;

  beforeAll(async () => {
    t = await startTestApp({ db: 'postgres' });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'paging' } });
    experimentId = (res.json() as { experiment_id: string }).experiment_id;
  });
  afterAll(async () => t?.close());

  /** Ingests traces at the given offsets (ms after BASE); env and duration vary, some absent. */
  async function ingest(offsets: number[]): Promise<string[]> {
    const traces = offsets.map((offset) => {
      inserted += 1;
      const n = inserted;
      return {
        info: {
          trace_id: `tr-${randomBytes(16).toString('hex')}`,
          request_time: new Date(BASE + offset).toISOString(),
          ...(n % 4 === 0 ? {} : { execution_duration_ms: (n * 37) % 5 }),
          state: 'OK',
          tags: n % 3 === 0 ? {} : { env: ['prod', 'dev'][n % 2]! },
        },
        data: { spans: [] },
      };
    });
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: { traces } });
    expect(res.statusCode).toBe(200);
    return traces.map((tr) => tr.info.trace_id);
  }

  async function page(order_by: string[], page_token: string | undefined) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      payload: { experiment_ids: [experimentId], order_by, max_results: 7, page_token },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { traces: Array<{ trace_id: string; request_time: string }>; next_page_token?: string };
  }

  it.each([[[] as string[]], [['timestamp_ms ASC']], [['tag.env', 'execution_time_ms DESC']], [['execution_time_ms']]])(
    'order %j: each original trace exactly once, none twice',
    async (order_by) => {
      // Three traces per timestamp, so ties are broken by request_id on every page boundary.
      const original = await ingest(Array.from({ length: 60 }, (_, i) => (i % 20) * 1000));
      const before = new Set(original);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const lastTime = seen.length > 0 ? 10_000 : 0;
        // A page read races inserts newer than all, at a tied timestamp, and older than all.
        const [result] = await Promise.all([page(order_by, token), ingest([99_000, lastTime, -5_000])]);
        seen.push(...result.traces.map((tr) => tr.trace_id));
        await ingest([(seen.length % 20) * 1000]);
        token = result.next_page_token;
      } while (token);
      expect(new Set(seen).size).toBe(seen.length);
      const missing = [...before].filter((id) => !seen.includes(id));
      expect(missing).toEqual([]);
    },
  );
});
