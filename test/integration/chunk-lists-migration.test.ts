/**
 * Migration 024 on a database with a monitoring run in progress: each chunk's traces, one row per
 * trace before it, become the chunk's list, and going back down restores the rows.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as chunkLists from '../../src/storage/migrations/024-chunk-trace-lists.ts';
import { createExperiment } from '../../src/storage/experiment-repository.ts';
import { createRun } from '../../src/storage/monitor-repository.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let runId: string;

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  const experiment = await createExperiment(database.db, { name: 'old' });
  const config = { results_schema: 'monitoring', scorers: [{ name: 'safety' }] };
  runId = (await createRun(database.db, { experimentId: Number(experiment.experiment_id), kind: 'manual', runKey: 'manual:old', config: config as never }))!.run_id;
  // Back to the schema before 024, with a run planned the way it was then.
  await chunkLists.down(database.db as never);
  await sql`insert into assay.monitor_run_chunk (run_id, chunk, done) values (${runId}, 0, true), (${runId}, 1, false), (${runId}, 2, false)`.execute(database.db);
  await sql`insert into assay.monitor_run_trace (run_id, chunk, trace_id) values
              (${runId}, 0, 'tr-b'), (${runId}, 0, 'tr-a'), (${runId}, 1, 'tr-c'), (${runId}, 1, 'tr-d')`.execute(database.db);
  await chunkLists.up(database.db as never);
});
afterAll(async () => database?.drop());

it('keeps the lists of a run in progress, and gives them back as rows going down', async () => {
  const lists = await sql<{ chunk: number; done: boolean; trace_ids: string[] }>`
    select chunk, done, trace_ids from assay.monitor_run_chunk where run_id = ${runId} order by chunk`.execute(database.db);
  expect(lists.rows).toEqual([
    { chunk: 0, done: true, trace_ids: ['tr-a', 'tr-b'] },
    { chunk: 1, done: false, trace_ids: ['tr-c', 'tr-d'] },
    // A chunk of idle sessions lists no traces.
    { chunk: 2, done: false, trace_ids: [] },
  ]);
  expect((await sql<{ t: string | null }>`select to_regclass('assay.monitor_run_trace')::text as t`.execute(database.db)).rows[0]!.t).toBeNull();

  await chunkLists.down(database.db as never);
  const rows = await sql<{ chunk: number; trace_id: string }>`
    select chunk, trace_id from assay.monitor_run_trace where run_id = ${runId} order by chunk, trace_id`.execute(database.db);
  expect(rows.rows).toEqual([
    { chunk: 0, trace_id: 'tr-a' },
    { chunk: 0, trace_id: 'tr-b' },
    { chunk: 1, trace_id: 'tr-c' },
    { chunk: 1, trace_id: 'tr-d' },
  ]);
  await chunkLists.up(database.db as never);
});
