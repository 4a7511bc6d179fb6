/**
 * The overview's hourly rollup gives exactly the raw computation's numbers: after ingest, after
 * re-ingest of traces that move to another hour, state or latency, after deletes and direct
 * updates, under concurrent ingest, before and after the deltas are folded (partly or wholly), for
 * hourly and daily buckets over ranges that start and end inside an hour. On Postgres and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { traceVolume, traceVolumeFromTraces, type OverviewBucket, type OverviewRange } from '../../src/storage/experiment-overview.ts';
import { foldTraceRollup, rebuildTraceRollup } from '../../src/storage/trace-rollup.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { mlflowTrace, newTraceHex, type Json } from '../support/trace-payloads.ts';

const HOUR = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00Z');

/** Trace i: spread over three days, a latency from 0 to ~20 s (some without), some errors, tokens and an inexact cost. */
function trace(hex: string, i: number, shift = 0): Json {
  return mlflowTrace(
    hex,
    [{ id: 1, name: 'agent', status: (i + shift) % 9 === 0 ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_OK', usage: i % 4 === 0 ? undefined : { input_tokens: i, output_tokens: 2 * i }, attributes: i % 3 === 0 ? {} : { 'mlflow.llm.cost': 0.1 * (i % 7) + 0.2 / (i + 1) } }],
    {
      request_time: new Date(START + ((i * 7_919_000 + shift) % (3 * 24 * HOUR))).toISOString(),
      execution_duration_ms: i % 11 === 0 ? undefined : (i * 7_717 + shift) % 20_000,
      state: (i + shift) % 9 === 0 ? 'ERROR' : 'OK',
    },
  );
}

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`overview rollup (${kind})`, () => {
    let t: TestApp;
    let experimentId: number;
    const hexes = Array.from({ length: 120 }, () => newTraceHex());
    const ingest = async (traces: Json[]) => {
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/experiments/${experimentId}/traces`, payload: { traces } });
      expect(r.statusCode, r.body).toBeLessThan(300);
    };
    const ranges: Array<[OverviewRange, OverviewBucket]> = [
      [{ from: START - HOUR, to: START + 4 * 24 * HOUR }, 'day'],
      [{ from: START + 1_234_567, to: START + 2 * 24 * HOUR + 2_345_678 }, 'day'],
      [{ from: START + 5 * HOUR + 17, to: START + 2 * 24 * HOUR - 99 }, 'hour'],
      [{ from: START + 5 * HOUR + 17, to: START + 5 * HOUR + 1_800_000 }, 'hour'],
      [{ from: START, to: START + 3 * 24 * HOUR }, 'hour'],
    ];
    const expectSameAsRaw = async () => {
      for (const [range, bucket] of ranges) {
        const raw = await traceVolumeFromTraces(t.database.db, experimentId, range, bucket);
        expect(await traceVolume(t.database.db, experimentId, range, bucket)).toEqual(raw);
      }
    };

    beforeAll(async () => {
      t = await startTestApp({ db: kind });
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/experiments', payload: { name: 'rollup' } });
      experimentId = Number(r.json().experiment_id);
    });
    afterAll(async () => t?.close());

    it('matches the raw computation through ingest, re-ingest, updates, deletes and folds', async () => {
      await ingest(hexes.slice(0, 60).map((h, i) => trace(h, i)));
      await expectSameAsRaw();
      const raw = await traceVolumeFromTraces(t.database.db, experimentId, ranges[0]![0], 'day');
      expect(raw.totals.traces).toBe(60);
      expect(raw.totals.errors).toBeGreaterThan(0);
      expect(raw.totals.cost).toBeGreaterThan(0);

      // Part of the deltas folded: the rest still pending.
      expect(await foldTraceRollup(t.database.db, 3)).toBe(3);
      await expectSameAsRaw();
      while ((await foldTraceRollup(t.database.db)) > 0);
      await expectSameAsRaw();

      // Re-ingest: half the traces move to another hour, latency and state; new ones arrive at the same time.
      await ingest([...hexes.slice(0, 30).map((h, i) => trace(h, i, 5_432_100)), ...hexes.slice(60, 90).map((h, i) => trace(h, 60 + i))]);
      await expectSameAsRaw();
      // Concurrent ingest of new traces and re-ingest of old ones, in separate requests.
      await Promise.all([
        ingest(hexes.slice(90, 105).map((h, i) => trace(h, 90 + i))),
        ingest(hexes.slice(105, 120).map((h, i) => trace(h, 105 + i))),
        ingest(hexes.slice(30, 45).map((h, i) => trace(h, 30 + i, 1_000))),
        ingest(hexes.slice(0, 10).map((h, i) => trace(h, i, 77_777))),
      ]);
      await expectSameAsRaw();
      await foldTraceRollup(t.database.db, 7);
      await expectSameAsRaw();

      // Writes that bypass ingest: an update of the counted columns, one of others, deletes.
      await sql`update assay.trace set cost = coalesce(cost, 0) + 0.3, execution_duration_ms = null where trace_id = ${`tr-${hexes[1]}`}`.execute(t.database.db);
      await sql`update assay.trace set tags = tags || '{"k": "v"}' where experiment_id = ${experimentId}`.execute(t.database.db);
      await sql`delete from assay.trace where trace_id in (${`tr-${hexes[2]}`}, ${`tr-${hexes[70]}`})`.execute(t.database.db);
      await expectSameAsRaw();
      while ((await foldTraceRollup(t.database.db)) > 0);
      await expectSameAsRaw();
      const { rows } = await sql<{ n: string }>`select count(*) as n from assay.trace_hour_delta`.execute(t.database.db);
      expect(Number(rows[0]!.n)).toBe(0);

      // Every trace gone from an hour: the hour leaves the rollup and the overview.
      await sql`delete from assay.trace where experiment_id = ${experimentId} and request_time >= ${START} and request_time < ${START + 6 * HOUR}`.execute(t.database.db);
      while ((await foldTraceRollup(t.database.db)) > 0);
      await expectSameAsRaw();
      const hourly = await traceVolume(t.database.db, experimentId, { from: START, to: START + 6 * HOUR }, 'hour');
      expect(hourly.points).toEqual([]);

      // A rebuild from the traces gives the same rollup.
      await rebuildTraceRollup(t.database.db, experimentId);
      await expectSameAsRaw();
    });

    it('serves the overview route from the rollup', async () => {
      const from = new Date(START - HOUR).toISOString();
      const to = new Date(START + 4 * 24 * HOUR).toISOString();
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/experiments/${experimentId}/overview?start_time=${from}&end_time=${to}&bucket=day` });
      expect(r.statusCode).toBe(200);
      const raw = await traceVolumeFromTraces(t.database.db, experimentId, { from: Date.parse(from), to: Date.parse(to) }, 'day');
      expect(r.json().volume).toEqual(raw.points);
      expect(r.json().totals).toEqual(raw.totals);
    });
  });
}
